import type { StorageLike } from './recent-targets.js';
import { DEFAULT_COMPOSE_FORM, type ComposeForm } from '../lib/compose/form.js';
import type { AttachmentItem } from '../lib/compose/attachments.js';
import { DEFAULT_AUTH_FORM, DEFAULT_CONNECTION_FORM, type AuthForm, type ConnectionForm } from './connection-form.js';
import type { AppState } from './types.js';
import { DEFAULT_DOMAIN_FORM, DEFAULT_MATRIX_FORM, type ReportsView } from './reports-slice.js';
import { defined } from '../../../shared/defined.js';

/**
 * The forms and the Compose draft survive a reload of the window: kept in the page's storage as the user types,
 * read back when the store is made. Never a secret: the password (or token) and a client key read from a file are
 * left out, and so is "use the stored password" (the profile says that again when it is loaded). Attachments are
 * kept by reference (a picked path, an upload's id); one that is gone by the time of a send says so.
 */

export const FORMS_KEY = 'smtp-lens.forms.v1';

export interface PersistedForms {
  connection: ConnectionForm;
  auth: AuthForm;
  compose: { form: ComposeForm; attachments: AttachmentItem[] };
  activeProfileId?: string;
  /** The outside view's forms and the app's resolver setting. */
  reports: Pick<ReportsView, 'resolver' | 'domainForm' | 'matrixForm'>;
}

/** What is written: the secrets blanked. */
export function toPersisted(state: Pick<AppState, 'connection' | 'auth' | 'compose' | 'profiles' | 'reports'>): PersistedForms {
  return {
    connection: { ...state.connection, clientKeyPem: '', clientKeyName: '' },
    auth: { ...state.auth, secret: '', useStored: false },
    compose: { form: state.compose.form, attachments: state.compose.attachments },
    ...defined({ activeProfileId: state.profiles.activeId }),
    reports: { resolver: state.reports.resolver, domainForm: state.reports.domainForm, matrixForm: state.reports.matrixForm },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keep only the keys a default has, with values of the same type: a stored form from another version cannot break the page. */
function sameShape<T extends object>(defaults: T, stored: unknown): T {
  if (!isObject(stored)) return { ...defaults };
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = stored[key];
    if (value === undefined) continue;
    if (Array.isArray(fallback) ? Array.isArray(value) : typeof value === typeof fallback && !(isObject(fallback) && !isObject(value))) {
      out[key] = isObject(fallback) ? sameShape(fallback as Record<string, unknown>, value) : value;
    }
  }
  return out as T;
}

const isAttachment = (a: unknown): a is AttachmentItem =>
  isObject(a) &&
  typeof a.id === 'string' &&
  typeof a.name === 'string' &&
  typeof a.size === 'number' &&
  ((a.kind === 'path' && typeof a.path === 'string') || (a.kind === 'upload' && typeof a.uploadId === 'string'));

const isHeader = (h: unknown): h is { name: string; value: string } =>
  isObject(h) && typeof h.name === 'string' && typeof h.value === 'string';

/** What was kept, checked against today's forms; undefined when there is nothing (or nothing readable). */
export function loadPersisted(storage: StorageLike | undefined): PersistedForms | undefined {
  let raw: string | null | undefined;
  try {
    raw = storage?.getItem(FORMS_KEY);
  } catch {
    return undefined;
  }
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const compose = isObject(parsed.compose) ? parsed.compose : {};
  const form = sameShape(DEFAULT_COMPOSE_FORM, compose.form);
  return {
    connection: { ...sameShape(DEFAULT_CONNECTION_FORM, parsed.connection), clientKeyPem: '', clientKeyName: '' },
    auth: { ...sameShape(DEFAULT_AUTH_FORM, parsed.auth), secret: '', useStored: false },
    compose: {
      form: { ...form, headers: form.headers.filter(isHeader).map((h, i) => ({ id: `hp${i}`, name: h.name, value: h.value })) },
      // Ids of their own: the slice numbers new rows from 1 again.
      attachments: Array.isArray(compose.attachments)
        ? compose.attachments
            .filter(isAttachment)
            .slice(0, 50)
            .map((a, i) => ({ ...a, id: `ap${i}` }))
        : [],
    },
    ...(typeof parsed.activeProfileId === 'string' ? { activeProfileId: parsed.activeProfileId } : {}),
    reports: {
      resolver: isObject(parsed.reports) && typeof parsed.reports.resolver === 'string' ? parsed.reports.resolver.slice(0, 64) : '',
      domainForm: sameShape(DEFAULT_DOMAIN_FORM, isObject(parsed.reports) ? parsed.reports.domainForm : undefined),
      matrixForm: sameShape(DEFAULT_MATRIX_FORM, isObject(parsed.reports) ? parsed.reports.matrixForm : undefined),
    },
  };
}

/** Write the forms (quietly: a full or unavailable storage loses the draft, never the page). */
export function savePersisted(storage: StorageLike | undefined, forms: PersistedForms): void {
  try {
    storage?.setItem(FORMS_KEY, JSON.stringify(forms));
  } catch {
    // Nothing to do: the draft is only a convenience.
  }
}
