import { useState } from 'react';
import { describeTarget } from '../../../../shared/transcript-format.js';
import { ErrorNote } from '../../components/ErrorNote.js';
import { describeForm } from '../../store/connection-form.js';
import { useAppStore } from '../../store/index.js';
import { stripEnhancedCode } from '../../../../shared/explain/reply-text.js';
import { ReplyCode } from '../explain/ReplyCode.js';
import type { ExportFormat } from '../../lib/api.js';
import { loadStatus } from '../../lib/transcript/load-status.js';
import { navigateHistory } from './command-history.js';
import { sessionIndicator } from './session-labels.js';
import { ReproduceButtons } from './ReproduceButtons.js';

/**
 * Above the tabs: the session's state and target, export of the session shown, and — while a session is open —
 * VRFY/EXPN, a raw command line (with arrow-key history), NOOP, RSET and AUTH. The outcome of each step (or why a
 * request was refused) is the result banner's, right below.
 */
export function SessionBar() {
  const status = useAppStore((s) => s.session.status);
  const state = useAppStore((s) => s.session.state);
  const open = useAppStore((s) => s.session.open);
  const activity = useAppStore((s) => s.session.activity);
  const source = useAppStore((s) => s.session.source);
  const cancelling = useAppStore((s) => s.session.cancelling);
  const record = useAppStore((s) => s.session.record);
  const stateError = useAppStore((s) => s.session.stateError);
  const form = useAppStore((s) => s.connection);
  const indicator = sessionIndicator({ status, state, open, activity, source, cancelling }, record);
  const target = record ? describeTarget(record) : describeForm(form);
  const load = useAppStore((s) => (s.session.source === 'history' ? s.transcript.load : undefined));

  return (
    <section className="session-bar" aria-label="Session status" data-transcript-load={load?.state ?? 'none'}>
      <div className="status-line">
        <span className={`state-dot ${indicator.dot}`} aria-hidden="true" />
        <span role="status" aria-live="polite" data-session-state={state ?? 'none'}>
          {indicator.label}
        </span>
        <span className="target" title={target}>
          {target}
        </span>
        {load?.state === 'loading' ? <TranscriptLoading /> : null}
        <span className="spacer" />
        <ReproduceButtons />
        <ExportCurrent />
      </div>
      {stateError && state === 'failed' && !record?.result.error ? <ErrorNote error={stateError} /> : null}
      {open ? <CommandTools /> : null}
    </section>
  );
}

/** A saved session's events still coming in: how far (the Transcript tab says more). */
function TranscriptLoading() {
  const load = useAppStore((s) => s.transcript.load);
  const loaded = useAppStore((s) => s.transcript.buffer.length);
  const fraction = loadStatus(load, loaded)?.fraction ?? 0;
  return (
    <span className="subtle" title="The transcript is still loading: search and filters work on what has arrived">
      Loading the transcript… {Math.floor(fraction * 100)}%
    </span>
  );
}

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'html', label: 'HTML report' },
  { value: 'txt', label: 'Text transcript' },
  { value: 'json', label: 'JSON record' },
];

/** Export the session shown (its log, redacted like every record) as a file. */
function ExportCurrent() {
  const sessionId = useAppStore((s) => s.session.sessionId);
  const running = useAppStore((s) => s.session.status === 'running');
  const exportCurrent = useAppStore((s) => s.exportCurrentSession);
  const busy = useAppStore((s) => s.sessions.busyId !== undefined && s.sessions.busyId === s.session.sessionId);
  const [format, setFormat] = useState<ExportFormat>('html');
  if (!sessionId) return null;
  return (
    <span className="button-row">
      <select aria-label="Export format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
        {FORMATS.map((f) => (
          <option key={f.value} value={f.value}>
            {f.label}
          </option>
        ))}
      </select>
      <button type="button" className="small" disabled={running || busy} onClick={() => void exportCurrent(format)}>
        Export session
      </button>
    </span>
  );
}

function CommandTools() {
  const running = useAppStore((s) => s.session.status === 'running');
  const history = useAppStore((s) => s.session.commandHistory);
  const verify = useAppStore((s) => s.verifyAddress);
  const sendRaw = useAppStore((s) => s.sendRaw);
  const authenticate = useAppStore((s) => s.authenticateOpen);
  const hasUser = useAppStore((s) => s.auth.user.trim() !== '');
  const [address, setAddress] = useState('');
  const [command, setCommand] = useState('');
  const [draft, setDraft] = useState('');
  const [position, setPosition] = useState<number | undefined>(undefined);

  const submitRaw = () => {
    const line = command;
    if (!line.trim()) return;
    setCommand('');
    setDraft('');
    setPosition(undefined);
    void sendRaw(line);
  };

  return (
    <div className="command-tools">
      <form
        className="field"
        aria-label="Verify an address"
        onSubmit={(e) => {
          e.preventDefault();
          void verify(address, false);
        }}
      >
        <label htmlFor="vrfy-address">VRFY / EXPN</label>
        <div className="input-with-button">
          <input
            id="vrfy-address"
            type="text"
            spellCheck={false}
            autoComplete="off"
            placeholder="postmaster@example.net"
            value={address}
            onChange={(e) => setAddress(e.target.value)}
          />
          <button type="submit" className="small" disabled={running || !address.trim()}>
            VRFY
          </button>
          <button type="button" className="small" disabled={running || !address.trim()} onClick={() => void verify(address, true)}>
            EXPN
          </button>
        </div>
      </form>
      <form
        className="field"
        aria-label="Send a raw command"
        onSubmit={(e) => {
          e.preventDefault();
          submitRaw();
        }}
      >
        <label htmlFor="raw-command">Raw command</label>
        <div className="input-with-button">
          <input
            id="raw-command"
            type="text"
            className="mono"
            spellCheck={false}
            autoComplete="off"
            placeholder="HELP   (↑/↓: history)"
            aria-describedby="raw-command-hint"
            value={command}
            onChange={(e) => {
              setCommand(e.target.value);
              if (position === undefined) setDraft(e.target.value);
            }}
            onKeyDown={(e) => {
              if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
              e.preventDefault();
              const next = navigateHistory(history, position, draft, e.key === 'ArrowUp' ? 'up' : 'down');
              setPosition(next.index);
              setCommand(next.value);
            }}
          />
          <button type="submit" className="small" disabled={running || !command.trim()}>
            Send
          </button>
        </div>
        <span id="raw-command-hint" className="visually-hidden">
          Up and Down arrows walk through the commands sent.
        </span>
      </form>
      <div className="field">
        <span className="label-like" aria-hidden="true">
          &nbsp;
        </span>
        <div className="button-row" role="group" aria-label="Quick commands">
          <button type="button" className="small" disabled={running} onClick={() => void sendRaw('NOOP')}>
            NOOP
          </button>
          <button type="button" className="small" disabled={running} onClick={() => void sendRaw('RSET')}>
            RSET
          </button>
          <button
            type="button"
            className="small"
            disabled={running || !hasUser}
            title={hasUser ? 'AUTH with the user and password of the form' : 'Enter a user in the form first'}
            onClick={() => void authenticate()}
          >
            AUTH
          </button>
        </div>
      </div>
      <LastReply />
    </div>
  );
}

/** The answer to the last VRFY/EXPN or raw command, beside the command bar (the Transcript has it too). */
function LastReply() {
  const last = useAppStore((s) => s.session.record?.commands?.at(-1));
  const running = useAppStore((s) => s.session.status === 'running' && (s.session.activity === 'raw' || s.session.activity === 'verify'));
  if (running) {
    return (
      <p className="command-reply subtle" role="status">
        Waiting for the reply…
      </p>
    );
  }
  if (!last) return null;
  const text = stripEnhancedCode(last.reply.text, last.reply.enhancedCode);
  return (
    <p className="command-reply" role="status" data-command-reply={last.reply.code}>
      <code className="command-sent">{last.command}</code>
      <span aria-hidden="true"> → </span>
      <ReplyCode code={last.reply.code} enhancedCode={last.reply.enhancedCode} text={last.reply.text} context={last.command} />{' '}
      <span className="command-reply-text">{text}</span>
    </p>
  );
}
