import type { ErrorDto, EventMap, MessagePreview, Result } from '../../../shared/ipc/contract.js';
import type { ComposeSettings } from '../../../shared/ipc/schemas.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import type { AppApi } from '../lib/api.js';
import { checkAttachmentCount, type AttachmentItem } from '../lib/compose/attachments.js';
import { DEFAULT_COMPOSE_FORM, toComposeSettings, type ComposeForm, type DsnForm } from '../lib/compose/form.js';
import type { HeaderRow } from '../lib/compose/headers.js';
import type { SliceCreator } from './types.js';
import { defined } from '../../../shared/defined.js';

/**
 * Compose and send: the form, its attachments, the preview of the exact message, and the send with its outcome.
 *
 * Sending needs a live session; the session slice owns it (its transcript, state and cancel). When a session is
 * held open (Connect), the message goes on it with `sessionStep('send', …)` and the session stays open; otherwise
 * `runOperation('send', …)` asks main to run one with the connection form's settings in one request (AUTH when the
 * authentication form has a user name, the message, QUIT); its progress comes as events.
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
  /**
   * The draft's Message-ID, as the first preview made it: the message sent is the one previewed. Forgotten once the
   * message was handed over (the next send is another message).
   */
  messageId?: string;
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

/** The send's view once it ended, keeping what its progress said. */
const finishedView = (send: ComposeSendView, ownSession: boolean): ComposeSendView => ({
  stage: 'done',
  ownSession,
  ...defined({ sessionId: send.sessionId }),
  ...(send.progress ? { progress: send.progress } : {}),
});

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
    const finished = (ownSession: boolean): ComposeSendView => {
      const view = finishedView(get().compose.send, ownSession);
      const id = get().session.sessionId;
      return view.sessionId === undefined && id !== undefined ? { ...view, sessionId: id } : view;
    };
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
      const { messageId } = get().compose;
      return messageId ? { ok: true, settings: { ...parsed.settings, messageId } } : parsed;
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
          ...(result.ok && result.value.messageId && !get().compose.messageId ? { messageId: result.value.messageId } : {}),
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
        // On the open session when there is one (it stays open); else main runs a session of its own for it, in one
        // request: connect, AUTH when the form has a user, the message, QUIT.
        const ownSession = !shell.open;
        if (!ownSession) {
          let sent: Result<SessionRecord> | undefined;
          setSend({ stage: 'sending', ownSession, ...defined({ sessionId: shell.sessionId }) });
          const record = await get().sessionStep('send', async (sessionId) => (sent = await api.send(sessionId, parsed.settings)));
          if (!current()) return;
          const done = finished(ownSession);
          if (!sent) {
            setSend({
              ...done,
              error: get().session.error ?? { code: 'busy', message: 'The session could not take the message.' },
              failedStep: 'send',
            });
            return;
          }
          if (!sent.ok) {
            setSend({ ...done, error: sent.error, failedStep: 'send' });
            return;
          }
          const error = recordError(record ?? sent.value);
          setSend({ ...done, record: record ?? sent.value, ...(error ? { error, failedStep: 'send' as const } : {}) });
          if ((record ?? sent.value).message) update({ messageId: undefined });
          return;
        }

        setSend({ stage: 'connecting', ownSession });
        const record = await get().runOperation('send', parsed.settings);
        if (!current()) return;
        const done = finished(ownSession);
        if (!record) {
          // Refused before anything connected (the forms, a busy app): the session slice says why.
          const error = get().session.error ?? { code: 'internal', message: 'The send could not be started.' };
          const failedStep: SendStep = error.issues?.some((i) => i.path.startsWith('auth.'))
            ? 'authenticate'
            : error.issues?.length || error.code === 'busy'
              ? 'connect'
              : // Main refused the message itself (an attachment not picked in a dialog, an upload gone).
                'send';
          setSend({ ...done, error, failedStep });
          return;
        }
        const error = recordError(record);
        // Where it failed: before the message (connect, AUTH) or with it.
        const failedStep: SendStep | undefined = !error
          ? undefined
          : record.message || record.recipients || error.stage === 'message'
            ? 'send'
            : (record.auth && !record.auth.ok) || error.stage === 'auth'
              ? 'authenticate'
              : 'connect';
        setSend({ ...done, record, ...(error ? { error, failedStep } : {}) });
        // Handed over: the next send is another message, with an id of its own.
        if (record.message) update({ messageId: undefined });
      },

      async cancelSend() {
        if (!isSending(get().compose.send)) return;
        await get().cancelSession();
      },

      setSendProgress({ sessionId, bytesSent, totalBytes, stage }) {
        const { send } = get().compose;
        if (!isSending(send)) return;
        // A send of its own learns its session's id from the session slice (main answered `session.run` with it).
        const id = send.sessionId ?? get().session.sessionId;
        if (id !== sessionId) return;
        const next: ComposeSendView = { ...send, sessionId };
        if (bytesSent !== undefined && totalBytes !== undefined) {
          next.stage = 'sending';
          next.progress = { bytesSent, totalBytes };
        } else if (stage?.name === 'reply' && stage.command === 'QUIT') {
          next.stage = 'closing';
        } else if (stage?.name === 'reply' && send.stage === 'connecting' && /^(MAIL|RCPT|DATA|BDAT)/i.test(stage.command ?? '')) {
          next.stage = 'sending';
        }
        setSend(next);
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
