import type { ErrorDto, EventMap } from '../../../shared/ipc/contract.js';
import type { SessionRecord, TranscriptEvent } from '../../../shared/session-record.js';
import type { AppApi } from '../lib/api.js';
import { toConnectionSettings } from './connection-form.js';
import type { SliceCreator } from './types.js';

export interface SessionView {
  status: 'idle' | 'running' | 'done';
  /** The id main gave the running session, learnt from its first transcript batch. */
  sessionId?: string;
  /** The finished operation's record (its `result` says whether the SMTP side succeeded). */
  record?: SessionRecord;
  /** Live events while running (appended from batched `transcript` events); the record's events once done. */
  transcript: TranscriptEvent[];
  /** The request itself failed (refused input, server gone, busy): there is no record. */
  error?: ErrorDto;
}

export interface SessionSlice {
  session: SessionView;
  probe(): Promise<void>;
  appendTranscript(batch: EventMap['transcript']): void;
  resetSession(): void;
}

const IDLE: SessionView = { status: 'idle', transcript: [] };

export const createSessionSlice =
  (api: AppApi): SliceCreator<SessionSlice> =>
  (set, get) => {
    /** Bumped by every run, so the answer of an abandoned run cannot overwrite a newer one. */
    let run = 0;

    return {
      session: IDLE,

      async probe() {
        if (get().session.status === 'running') return;
        const parsed = toConnectionSettings(get().connection);
        if (!parsed.ok) {
          set({ session: { status: 'done', transcript: [], error: parsed.error } });
          return;
        }
        const mine = ++run;
        set({ session: { status: 'running', transcript: [] } });
        const result = await api.probe(parsed.settings);
        if (mine !== run) return;
        set((state) =>
          result.ok
            ? { session: { status: 'done', sessionId: state.session.sessionId, record: result.value, transcript: result.value.events } }
            : { session: { status: 'done', sessionId: state.session.sessionId, transcript: state.session.transcript, error: result.error } },
        );
      },

      appendTranscript({ sessionId, events }) {
        const { session } = get();
        if (session.status !== 'running' || events.length === 0) return;
        // A one-shot operation learns its session id from the first batch that arrives while it runs.
        if (session.sessionId !== undefined && session.sessionId !== sessionId) return;
        set({ session: { ...session, sessionId, transcript: session.transcript.concat(events) } });
      },

      resetSession() {
        run++;
        set({ session: IDLE });
      },
    };
  };
