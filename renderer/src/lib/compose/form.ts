import type { ErrorDto } from '../../../../shared/ipc/contract.js';
import type { ComposeSettings } from '../../../../shared/ipc/schemas.js';
import { parseAddressList, parseEnvelopeAddress, parseEnvelopeList, type ParsedAddress, type ParsedAddressList } from './addresses.js';
import { toAttachmentSettings, type AttachmentItem } from './attachments.js';
import { checkHeaderRow, isBlankRow, type HeaderRow, type HeaderRowProblems } from './headers.js';

/**
 * The compose form as the user edits it: strings as typed (address lists as the text of their field), turned into
 * the contract's `ComposeSettings` only when previewing or sending. Pure functions, no React, no store.
 */

export type DsnNotifyMode = 'default' | 'never' | 'events';

export interface DsnForm {
  /** '' leaves RET out (the server's choice). */
  ret: '' | 'FULL' | 'HDRS';
  envid: string;
  /** default: no NOTIFY; never: NOTIFY=NEVER; events: the events ticked below. */
  notify: DsnNotifyMode;
  success: boolean;
  failure: boolean;
  delay: boolean;
  /** Send ORCPT (the original recipient) with each RCPT TO. */
  orcpt: boolean;
}

export interface ComposeForm {
  from: string;
  to: string;
  cc: string;
  bcc: string;
  replyTo: string;
  subject: string;
  text: string;
  /** Blank for a plain-text message; otherwise the message is multipart/alternative. */
  html: string;
  headers: HeaderRow[];
  /** Blank for the default (from Sender/From); `<>` for the null sender. */
  envelopeFrom: string;
  /** Blank for the default (To, Cc and Bcc); else a list like the To field. */
  envelopeTo: string;
  dsn: DsnForm;
  smtpUtf8: boolean;
  utf8Headers: boolean;
  bdat: 'off' | 'auto' | 'on';
  forceParams: boolean;
  /** Ask for per-recipient replies after the data (PRDR). */
  prdr: boolean;
}

export const DEFAULT_DSN_FORM: DsnForm = {
  ret: '',
  envid: '',
  notify: 'default',
  success: false,
  failure: true,
  delay: true,
  orcpt: false,
};

export const DEFAULT_COMPOSE_FORM: ComposeForm = {
  from: '',
  to: '',
  cc: '',
  bcc: '',
  replyTo: '',
  subject: '',
  text: '',
  html: '',
  headers: [],
  envelopeFrom: '',
  envelopeTo: '',
  dsn: DEFAULT_DSN_FORM,
  smtpUtf8: false,
  utf8Headers: false,
  bdat: 'auto',
  forceParams: false,
  prdr: false,
};

/** Everything the form's fields say about themselves, for showing next to each field as the user types. */
export interface ComposeCheck {
  from: ParsedAddressList;
  /** An error about the From field as a whole (empty, more than one address). */
  fromError?: string;
  to: ParsedAddressList;
  cc: ParsedAddressList;
  bcc: ParsedAddressList;
  replyTo: ParsedAddressList;
  subjectError?: string;
  /** Problems per header row id. */
  headers: Record<string, HeaderRowProblems>;
  /** The MAIL FROM override, when one is given. */
  envelopeFrom?: ParsedAddress;
  /** The RCPT TO override, when one is given. */
  envelopeTo?: ParsedAddressList;
  envidError?: string;
  notifyError?: string;
  /** No recipient anywhere. */
  recipientsError?: string;
  /** Why SMTPUTF8 will be needed (it is then asked for even when the box is not ticked). */
  utf8Reasons: string[];
  /** Whether anything blocks sending. */
  ok: boolean;
}

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const NON_ASCII = /[^\x00-\x7f]/;
const hasError = (list: ParsedAddressList | undefined): boolean => list?.hasErrors ?? false;
const entryHasError = (entry: ParsedAddress | undefined): boolean => entry?.problems.some((p) => p.severity === 'error') ?? false;

/** Check every field of the form. */
export function checkComposeForm(form: ComposeForm): ComposeCheck {
  const from = parseAddressList(form.from);
  let fromError: string | undefined;
  if (from.entries.length === 0) fromError = 'Enter the sender address (From).';
  else if (from.entries.length > 1) fromError = 'From takes one address.';

  const to = parseAddressList(form.to);
  const cc = parseAddressList(form.cc);
  const bcc = parseAddressList(form.bcc);
  const replyTo = parseAddressList(form.replyTo);

  let subjectError: string | undefined;
  if (CONTROL.test(form.subject)) subjectError = 'The subject cannot contain line breaks or control characters.';
  else if (form.subject.length > 998) subjectError = 'The subject can be at most 998 characters.';

  const headers: Record<string, HeaderRowProblems> = {};
  for (const row of form.headers) {
    const problems = checkHeaderRow(row);
    if (problems.name || problems.value) headers[row.id] = problems;
  }
  const seen = new Map<string, string>();
  for (const row of form.headers) {
    const key = row.name.trim().toLowerCase();
    if (key === '' || headers[row.id]?.name) continue;
    if (seen.has(key))
      headers[row.id] = { ...headers[row.id], name: `${row.name.trim()} is already given above; the message would carry it twice.` };
    else seen.set(key, row.id);
  }

  const envelopeFrom = form.envelopeFrom.trim() === '' ? undefined : parseEnvelopeAddress(form.envelopeFrom, true);
  const envelopeTo = form.envelopeTo.trim() === '' ? undefined : parseEnvelopeList(form.envelopeTo);

  let envidError: string | undefined;
  const envid = form.dsn.envid.trim();
  if (envid !== '') {
    if (!/^[\x20-\x7e]+$/.test(envid)) envidError = 'ENVID is printable ASCII only (no line breaks, no accented letters).';
    else if (envid.length > 100) envidError = 'ENVID can be at most 100 characters.';
  }
  let notifyError: string | undefined;
  if (form.dsn.notify === 'events' && !form.dsn.success && !form.dsn.failure && !form.dsn.delay) {
    notifyError = 'Tick at least one of success, failure or delay — or choose "Never".';
  }

  const recipientCount = envelopeTo ? envelopeTo.entries.length : to.entries.length + cc.entries.length + bcc.entries.length;
  const recipientsError = recipientCount === 0 ? 'Add at least one recipient (To, Cc or Bcc, or RCPT TO under Envelope).' : undefined;

  const utf8Reasons: string[] = [];
  const envelopeAddresses = [
    ...(envelopeFrom ? [envelopeFrom] : from.entries),
    ...(envelopeTo ? envelopeTo.entries : [...to.entries, ...cc.entries, ...bcc.entries]),
  ];
  if (envelopeAddresses.some((e) => e.utf8)) utf8Reasons.push('an envelope address has non-ASCII characters');
  if (form.utf8Headers) {
    const headerTexts = [form.from, form.to, form.cc, form.replyTo, form.subject, ...form.headers.map((h) => h.value)];
    if (headerTexts.some((t) => NON_ASCII.test(t))) utf8Reasons.push('UTF-8 headers are on and a header has non-ASCII text');
  }

  const ok =
    !fromError &&
    !hasError(from) &&
    !hasError(to) &&
    !hasError(cc) &&
    !hasError(bcc) &&
    !hasError(replyTo) &&
    !subjectError &&
    Object.keys(headers).length === 0 &&
    !entryHasError(envelopeFrom) &&
    !hasError(envelopeTo) &&
    !envidError &&
    !notifyError &&
    !recipientsError;

  return {
    from,
    ...(fromError ? { fromError } : {}),
    to,
    cc,
    bcc,
    replyTo,
    ...(subjectError ? { subjectError } : {}),
    headers,
    ...(envelopeFrom ? { envelopeFrom } : {}),
    ...(envelopeTo ? { envelopeTo } : {}),
    ...(envidError ? { envidError } : {}),
    ...(notifyError ? { notifyError } : {}),
    ...(recipientsError ? { recipientsError } : {}),
    utf8Reasons,
    ok,
  };
}

/** The envelope the composer derives when none is given: MAIL FROM from From; RCPT TO from To, Cc and Bcc. */
export function defaultEnvelope(form: ComposeForm): { from: string; to: string[] } {
  const from = parseAddressList(form.from).entries[0]?.address ?? '';
  const to: string[] = [];
  for (const field of [form.to, form.cc, form.bcc]) {
    for (const entry of parseAddressList(field).entries) if (!to.includes(entry.address)) to.push(entry.address);
  }
  return { from, to };
}

export type SettingsOrError = { ok: true; settings: ComposeSettings } | { ok: false; error: ErrorDto };

/** Every blocking problem, as issues with the contract's field paths. */
export function issuesOf(check: ComposeCheck, form: ComposeForm): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const listIssues = (path: string, list: ParsedAddressList | undefined): void => {
    list?.entries.forEach((entry) => {
      const problem = entry.problems.find((p) => p.severity === 'error');
      if (problem) issues.push({ path, message: `${entry.raw || '(empty)'}: ${problem.message}` });
    });
  };
  if (check.fromError) issues.push({ path: 'from', message: check.fromError });
  listIssues('from', check.from);
  listIssues('to', check.to);
  listIssues('cc', check.cc);
  listIssues('bcc', check.bcc);
  listIssues('replyTo', check.replyTo);
  if (check.subjectError) issues.push({ path: 'subject', message: check.subjectError });
  form.headers.forEach((row, i) => {
    const problems = check.headers[row.id];
    if (problems?.name) issues.push({ path: `headers.${i}.name`, message: problems.name });
    if (problems?.value) issues.push({ path: `headers.${i}.value`, message: problems.value });
  });
  const envelopeFromProblem = check.envelopeFrom?.problems.find((p) => p.severity === 'error');
  if (envelopeFromProblem) issues.push({ path: 'envelopeFrom', message: envelopeFromProblem.message });
  listIssues('envelopeTo', check.envelopeTo);
  if (check.envidError) issues.push({ path: 'dsn.envid', message: check.envidError });
  if (check.notifyError) issues.push({ path: 'dsn.notify', message: check.notifyError });
  if (check.recipientsError) issues.push({ path: 'to', message: check.recipientsError });
  return issues;
}

const FIELD_LABELS: Record<string, string> = {
  from: 'From',
  to: 'To',
  cc: 'Cc',
  bcc: 'Bcc',
  replyTo: 'Reply-To',
  subject: 'Subject',
  envelopeFrom: 'MAIL FROM',
  envelopeTo: 'RCPT TO',
  'dsn.envid': 'ENVID',
  'dsn.notify': 'NOTIFY',
  attachments: 'Attachments',
};

/** The form's label for an issue path ("headers.0.name" → "Header 1 name"); the path itself when unknown. */
export function fieldLabel(path: string): string {
  // Main's issues name the request's fields: "message.to.0".
  path = path.replace(/^message\./, '').replace(/^(from|to|cc|bcc|replyTo|envelopeTo)\.\d+$/, '$1');
  const header = /^headers\.(\d+)\.(name|value)$/.exec(path);
  if (header) return `Header ${Number(header[1]) + 1} ${header[2]}`;
  return FIELD_LABELS[path] ?? path;
}

/** The DSN settings, or undefined when nothing DSN-related was asked for. */
export function toDsnSettings(dsn: DsnForm): ComposeSettings['dsn'] {
  const out: NonNullable<ComposeSettings['dsn']> = {};
  if (dsn.ret) out.ret = dsn.ret;
  const envid = dsn.envid.trim();
  if (envid) out.envid = envid;
  if (dsn.notify === 'never') out.notify = ['NEVER'];
  else if (dsn.notify === 'events') {
    const notify: ('SUCCESS' | 'FAILURE' | 'DELAY')[] = [];
    if (dsn.success) notify.push('SUCCESS');
    if (dsn.failure) notify.push('FAILURE');
    if (dsn.delay) notify.push('DELAY');
    out.notify = notify;
  }
  if (dsn.orcpt) out.orcpt = true;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The form (and the attachments) as the contract's `ComposeSettings`, or the problems that block it. */
export function toComposeSettings(form: ComposeForm, attachments: readonly AttachmentItem[] = []): SettingsOrError {
  const check = checkComposeForm(form);
  if (!check.ok) {
    const issues = issuesOf(check, form);
    return {
      ok: false,
      error: {
        code: 'invalid-input',
        message: issues.length === 1 ? issues[0]!.message : `${issues.length} fields need attention before the message can be sent.`,
        issues,
      },
    };
  }
  const raws = (list: ParsedAddressList): string[] => list.entries.map((e) => e.raw);
  const settings: ComposeSettings = {
    from: check.from.entries[0]!.raw,
    to: raws(check.to),
    cc: raws(check.cc),
    bcc: raws(check.bcc),
    replyTo: raws(check.replyTo),
    subject: form.subject,
    text: form.text,
    headers: form.headers.filter((row) => !isBlankRow(row)).map((row) => ({ name: row.name.trim(), value: row.value })),
    attachments: toAttachmentSettings(attachments),
    smtpUtf8: form.smtpUtf8,
    utf8Headers: form.utf8Headers,
    bdat: form.bdat,
    forceParams: form.forceParams,
    prdr: form.prdr,
  };
  if (form.html.trim() !== '') settings.html = form.html;
  if (check.envelopeFrom) settings.envelopeFrom = check.envelopeFrom.address;
  if (check.envelopeTo) settings.envelopeTo = check.envelopeTo.entries.map((e) => e.address);
  const dsn = toDsnSettings(form.dsn);
  if (dsn) settings.dsn = dsn;
  return { ok: true, settings };
}
