import { useId } from 'react';
import { describeMechanism } from '../../../../shared/explain/extensions.js';
import { explainAuthOutcome } from '../../../../shared/explain/outcomes.js';
import { stripEnhancedCode } from '../../../../shared/explain/reply-text.js';
import type { AuthResult, SessionRecord } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';
import { RefLink } from '../explain/RefLink.js';
import { ReplyCode } from '../explain/ReplyCode.js';
import { decodeChallenge, formatMs } from './auth-format.js';
import '../explain/explain.css';
import './auth.css';

/** What authentication did in the current record (nothing when it was not attempted). */
export function AuthPanel() {
  const auth = useAppStore((s) => s.session.record?.auth);
  const encrypted = useAppStore((s) => s.session.record?.tls !== undefined);
  if (!auth) return null;
  return <AuthView auth={auth} encrypted={encrypted} />;
}

export interface AuthViewProps {
  auth: AuthResult;
  /** Whether the exchange ran inside TLS. */
  encrypted?: boolean;
}

/** Convenience: the auth view of a record, or null when the record has no AUTH exchange. */
export function AuthOfRecord({ record }: { record: SessionRecord }) {
  return record.auth ? <AuthView auth={record.auth} encrypted={record.tls !== undefined} /> : null;
}

/** One AUTH exchange: mechanism, verdict in plain words, every step (already redacted), timing, SCRAM signature. */
export function AuthView({ auth, encrypted }: AuthViewProps) {
  const id = useId();
  const outcome = explainAuthOutcome(auth);
  const mechanism = describeMechanism(auth.mechanism);
  return (
    <section className="panel auth-panel" aria-labelledby={`${id}-heading`} data-auth={auth.ok ? 'ok' : 'failed'}>
      <h2 id={`${id}-heading`}>
        Authentication <span className="subtle">({auth.mechanism})</span>
      </h2>

      <div className={`notice ${auth.ok ? 'ok' : 'error'} auth-verdict`}>
        <strong>{outcome.headline}</strong>
        {outcome.reply && !auth.ok ? (
          <>
            : <code className="auth-reply">{outcome.reply}</code>
          </>
        ) : null}
        {outcome.explanation && !auth.ok ? <p>{outcome.explanation}</p> : null}
      </div>

      <dl className="kv auth-summary">
        <dt>Mechanism</dt>
        <dd>
          <span className={`chip strength-${mechanism.strength}`}>{mechanism.name}</span> {mechanism.note}
          {mechanism.ref ? (
            <>
              {' '}
              <RefLink reference={mechanism.ref} />
            </>
          ) : null}
          {(mechanism.strength === 'cleartext' || mechanism.strength === 'token') && encrypted === false ? (
            <p className="auth-plaintext">
              Sent without TLS: the secret was readable on the path (unless the link stayed on this machine).
            </p>
          ) : null}
        </dd>
        <dt>Final reply</dt>
        <dd>
          {auth.code !== undefined ? (
            <>
              <ReplyCode code={auth.code} enhancedCode={auth.enhancedCode} text={auth.text} context={`AUTH ${auth.mechanism}`} />{' '}
              <span className="mono">{stripEnhancedCode(auth.text ?? '', auth.enhancedCode)}</span>
            </>
          ) : (
            <span className="subtle">none (the exchange did not finish)</span>
          )}
        </dd>
        <dt>Time taken</dt>
        <dd className="mono">{formatMs(auth.durationMs)}</dd>
        {auth.serverSignatureVerified !== undefined ? (
          <>
            <dt>Server signature</dt>
            <dd>
              {auth.serverSignatureVerified ? (
                <>
                  <span className="badge ok">verified</span> The server proved it knows the password too (SCRAM mutual authentication).
                </>
              ) : (
                <>
                  <span className="badge error">not verified</span> The server could not prove it knows the password: it may not be the
                  server you meant to reach.
                </>
              )}
            </dd>
          </>
        ) : null}
      </dl>

      {auth.steps.length > 0 ? (
        <div className="auth-steps-wrap">
          <table className="data auth-steps" aria-label="Authentication steps">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Client sent</th>
                <th scope="col">Server replied</th>
              </tr>
            </thead>
            <tbody>
              {auth.steps.map((step, i) => {
                const decoded = decodeChallenge(step.reply);
                return (
                  <tr key={i}>
                    <td className="auth-step-n">{i + 1}</td>
                    <td className="mono auth-sent">{step.sent}</td>
                    <td>
                      <ReplyCode code={step.reply.code} enhancedCode={step.reply.enhancedCode} text={step.reply.text} context={step.sent} />{' '}
                      <span className="mono auth-text">{stripEnhancedCode(step.reply.text, step.reply.enhancedCode)}</span>
                      {decoded !== undefined ? (
                        <span className="auth-decoded">
                          {' '}
                          <span className="subtle">decoded:</span> <span className="mono">{decoded}</span>
                        </span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="hint">What the client sent is shown redacted, as it was captured: secrets never reach the log.</p>
        </div>
      ) : null}
    </section>
  );
}
