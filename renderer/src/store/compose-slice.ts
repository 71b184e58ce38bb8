import type { ErrorDto, EventMap, MessagePreview, Result } from '../../../shared/ipc/contract.js';
import type { ComposeSettings } from '../../../shared/ipc/schemas.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import type { AppApi } from '../lib/api.js';
import {
  checkAttachmentCount,
  checkWebRequestSize,
  type AttachmentItem,
} from '../lib/compose/attachments.js';
import { DEFAULT_COMPOSE_FORM, toComposeSettings, type ComposeForm, type DsnForm } from '../lib/compose/form.js';
import type { HeaderRow } from '../lib/compose/headers.js';
import type { SliceCreator } from './types.js';

/**
 * Compose and send: the form, its attachments, the preview of the exact message, and the send with its outcome.
 *
 * Sending needs a live session; the session slice owns it (its transcript, state and cancel). When a session is
 * held open (Connect), the message goes on it with `sessionStep('send', …)` and the session stays open; otherwise
 * `runOneShot('send', …)` starts one with the connection form's settings, authenticates when the authentication
 * form has a user name, sends, and closes it (QUIT).
 */

export interface ComposePreviewView {
  status: 'idle' | 'loading' | 'done';
  value?: MessagePreview;
  /** The settings the preview was made from (for the planned MAIL/RCPT lines). */
  settings?: ComposeSettings;
  error?: ErrorDto;
  /** The form changed since the preview was made. */
  stale: boolean;
}

/**
 * Where a send is. 'connecting' covers opening a session of its own and AUTH (the session slice's `activity` says
 * which); 'closing' is its QUIT after the message.
 */
export type SendStage = 'idle' | 'connecting' | 'sending' | 'closing' | 'done';

/** The step that failed, so the error can be shown as "could not connect", "authentication failed", … */
export type SendStep = 'form' | 'connect' | 'authenticate' | 'send';

export interface ComposeSendView {
  stage: SendStage;
  /** The session the message goes on (set before sending, so progress events can be matched). */
  sessionId?: string;
  /** This send opened the session itself (and closes it afterwards). */
  ownSession: boolean;
  progress?: { bytesSent: number; totalBytes: number };
  /** The record after the send (or after the step that failed). */
  record?: SessionRecord;
  /** A request that failed without a record, or a step whose record says it failed. */
  error?: ErrorDto;
  failedStep?: SendStep;
  /** Closing our own session afterwards failed (the message itself is unaffected). */
  closeError?: ErrorDto;
}

export interface ComposeView {
  form: ComposeForm;
  attachments: AttachmentItem[];
  /** Why the last attachments could not be added (size, count, unreadable). */
  attachmentError?: string;
  preview: ComposePreviewView;
  send: ComposeSendView;
}

export interface ComposeSlice {
  compose: ComposeView;
  setComposeField<K extends keyof ComposeForm>(field: K, value: ComposeForm[K]): void;
  setDsnField<K extends keyof DsnForm>(field: K, value: DsnForm[K]): void;
  /** Add an empty header row; returns its id. */
  addHeaderRow(): string;
  updateHeaderRow(id: string, patch: Partial<Omit<HeaderRow, 'id'>>): void;
  removeHeaderRow(id: string): void;
  /** Add attachments (ids are given here); refused as a whole past the count limit. */
  addAttachments(items: DistributiveOmit<AttachmentItem, 'id'>[]): void;
  removeAttachment(id: string): void;
  setAttachmentError(message: string | undefined): void;
  /** Electron: pick files in the native dialog and attach them by path. */
  pickAttachments(): Promise<void>;
  previewMessage(): Promise<void>;
  sendMessage(): Promise<void>;
  /** Abort the running send (the connection is dropped). */
  cancelSend(): Promise<void>;
  /** Fed by `progress` events; ignored unless they are about the running send. */
  setSendProgress(progress: EventMap['progress']): void;
  clearSendResult(): void;
  resetCompose(): void;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

const IDLE_PREVIEW: ComposePreviewView = { status: 'idle', stale: false };
const IDLE_SEND: ComposeSendView = { stage: 'idle', ownSession: false };

export const INITIAL_COMPOSE: ComposeView = {
  form: DEFAULT_COMPOSE_FORM,
  attachments: [],
  preview: IDLE_PREVIEW,
  send: IDLE_SEND,
};

export const isSending = (send: ComposeSendView): boolean => send.stage !== 'idle' && send.stage !== 'done';

/** A step's record that failed, as the error to show. */
function recordError(record: SessionRecord): ErrorDto | undefined {
  if (record.result.ok) return undefined;
  return record.result.error ?? { code: 'internal', message: 'The step failed without saying why.' };
}

// ------------------------------------------------------------------------------------------------

export const createComposeSlice =
  (api: AppApi): SliceCreator<ComposeSlice> =>
  (set, get) => {
    /** Bumped by every send and by a reset, so an abandoned send cannot overwrite a newer state. */
    let run = 0;
    let previewRun = 0;
    let nextId = 1;
    const newId = (prefix: string): string => `${prefix}${nextId++}`;

    const update = (patch: Partial<ComposeView>): void => set((state) => ({ compose: { ...state.compose, ...patch } }));
    const setSend = (send: ComposeSendView): void => update({ send });
    /** The form changed: a preview made before no longer shows this message. */
    const edited = (form: ComposeForm, extra: Partial<ComposeView> = {}): void =>
      set((state) => ({
        compose: {
          ...state.compose,
          ...extra,
          form,
          preview: state.compose.preview.status === 'idle' ? state.compose.preview : { ...state.compose.preview, stale: true },
        },
      }));

    /** The form as settings, or the problems (also checked against the web host's message size). */
    const settingsOrError = (): { ok: true; settings: ComposeSettings } | { ok: false; error: ErrorDto } => {
      const { form, attachments } = get().compose;
      const parsed = toComposeSettings(form, attachments);
      if (!parsed.ok) return parsed;
      if (!api.canPickFiles() && attachments.some((a) => a.kind === 'inline')) {
        const tooBig = checkWebRequestSize(parsed.settings);
        if (tooBig) return { ok: false, error: { code: 'invalid-input', message: tooBig, issues: [{ path: 'attachments', message: tooBig }] } };
      }
      return parsed;
    };

    return {
      compose: INITIAL_COMPOSE,

      setComposeField(field, value) {
        edited({ ...get().compose.form, [field]: value });
      },

      setDsnField(field, value) {
        const form = get().compose.form;
        edited({ ...form, dsn: { ...form.dsn, [field]: value } });
      },

      addHeaderRow() {
        const id = newId('h');
        const form = get().compose.form;
        edited({ ...form, headers: [...form.headers, { id, name: '', value: '' }] });
        return id;
      },

      updateHeaderRow(id, patch) {
        const form = get().compose.form;
        edited({ ...form, headers: form.headers.map((row) => (row.id === id ? { ...row, ...patch } : row)) });
      },

      removeHeaderRow(id) {
        const form = get().compose.form;
        edited({ ...form, headers: form.headers.filter((row) => row.id !== id) });
      },

      addAttachments(items) {
        if (items.length === 0) return;
        const { attachments, form } = get().compose;
        const tooMany = checkAttachmentCount(attachments.length, items.length);
        if (tooMany) {
          update({ attachmentError: tooMany });
          return;
        }
        const added = items.map((item) => ({ ...item, id: newId('a') }) as AttachmentItem);
        edited(form, { attachments: [...attachments, ...added], attachmentError: undefined });
      },

      removeAttachment(id) {
        const { attachments, form } = get().compose;
        edited(form, { attachments: attachments.filter((a) => a.id !== id), attachmentError: undefined });
      },

      setAttachmentError(message) {
        update({ attachmentError: message });
      },

      async pickAttachments() {
        const picked = await api.pickFiles('attachment');
        if (!picked.ok) {
          update({ attachmentError: `Could not open the file dialog: ${picked.error.message}` });
          return;
        }
        get().addAttachments(picked.value.map((f) => ({ kind: 'path' as const, name: f.name, size: f.size, path: f.path })));
      },

      async previewMessage() {
        const parsed = settingsOrError();
        if (!parsed.ok) {
          update({ preview: { status: 'done', error: parsed.error, stale: false } });
          return;
        }
        const mine = ++previewRun;
        update({ preview: { ...get().compose.preview, status: 'loading', error: undefined } });
        const result = await api.previewMessage(parsed.settings);
        if (mine !== previewRun) return;
        update({
          preview: result.ok
            ? { status: 'done', value: result.value, settings: parsed.settings, stale: false }
            : { status: 'done', error: result.error, stale: false },
        });
      },

      async sendMessage() {
        if (isSending(get().compose.send)) return;
        const parsed = settingsOrError();
        if (!parsed.ok) {
          setSend({ stage: 'done', ownSession: false, error: parsed.error, failedStep: 'form' });
          return;
        }
        const shell = get().session;
        if (shell.status === 'running') {
          setSend({
            stage: 'done',
            ownSession: false,
            error: { code: 'busy', message: 'Another operation is running on the session; wait for it to finish, or cancel it.' },
            failedStep: 'connect',
          });
          return;
        }

        const mine = ++run;
        const current = (): boolean => mine === run;
        // On the open session when there is one (it stays open); else a session of its own: start, AUTH, send, QUIT.
        const ownSession = !shell.open;
        let sent: Result<SessionRecord> | undefined;
        const work = async (sessionId: string): Promise<Result<SessionRecord>> => {
          if (current()) setSend({ stage: 'sending', ownSession, sessionId });
          sent = await api.send(sessionId, parsed.settings);
          if (ownSession && current()) setSend({ ...get().compose.send, stage: 'closing' });
          return sent;
        };
        setSend({ stage: ownSession ? 'connecting' : 'sending', ownSession });
        const record = ownSession ? await get().runOneShot('send', work) : await get().sessionStep('send', work);
        if (!current()) return;

        const { progress, sessionId } = get().compose.send;
        const done: ComposeSendView = {
          stage: 'done',
          ownSession,
          ...(sessionId !== undefined ? { sessionId } : {}),
          ...(progress ? { progress } : {}),
        };
        const outcome = sent as Result<SessionRecord> | undefined;
        if (outcome === undefined) {
          // The message was never handed over: the session could not be opened, or AUTH failed.
          const error = (record && recordError(record)) ??
            get().session.error ?? { code: 'internal', message: 'The session ended before the message could be sent.' };
          const authFailed = (record?.auth && !record.auth.ok) || error.issues?.some((i) => i.path.startsWith('auth.'));
          const failedStep: SendStep = authFailed ? 'authenticate' : 'connect';
          setSend({ ...done, error, failedStep, ...(record ? { record } : {}) });
          return;
        }
        if (!outcome.ok) {
          setSend({ ...done, error: outcome.error, failedStep: 'send' });
          return;
        }
        // The session's final record (after QUIT, for a session of its own) still carries the send's result.
        const final = record?.message || record?.recipients ? record : outcome.value;
        const error = recordError(final);
        setSend({ ...done, record: final, ...(error ? { error, failedStep: 'send' as const } : {}) });
      },

      async cancelSend() {
        if (!isSending(get().compose.send)) return;
        await get().cancelSession();
      },

      setSendProgress({ sessionId, bytesSent, totalBytes }) {
        const { send } = get().compose;
        if (send.stage !== 'sending' || send.sessionId !== sessionId) return;
        setSend({ ...send, progress: { bytesSent, totalBytes } });
      },

      clearSendResult() {
        if (isSending(get().compose.send)) return;
        setSend(IDLE_SEND);
      },

      resetCompose() {
        run++;
        previewRun++;
        set({ compose: INITIAL_COMPOSE });
      },
    };
  };
