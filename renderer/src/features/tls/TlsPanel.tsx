import { useId } from 'react';
import {
  certificateNames,
  certificateValidity,
  formatCertDate,
  isSelfIssued,
  tlsVerdict,
  type ValidityStatus,
} from '../../../../shared/explain/tls.js';
import type { CertificateInfo, SessionRecord } from '../../../../shared/session-record.js';
import { useAppStore } from '../../store/index.js';
import { isLocalLink } from '../capabilities/capability-notes.js';
import { CopyButton } from '../../components/CopyButton.js';
import '../explain/explain.css';
import './tls.css';

/** TLS of the current record: what was negotiated, whether the certificate verified, and the chain. */
export function TlsPanel() {
  const record = useAppStore((s) => s.session.record);
  if (!record) return null;
  return <TlsView record={record} />;
}

const VIA: Record<'implicit' | 'starttls', string> = {
  implicit: 'Implicit TLS (SMTPS): encrypted from the first byte',
  starttls: 'STARTTLS: upgraded after the plaintext greeting',
};

const OUTDATED_PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);

export interface TlsViewProps {
  record: SessionRecord;
  /**
   * The moment certificate validity is judged at (ms since the epoch). By default the session's start, so a session
   * reopened from the history shows what the server presented then.
   */
  now?: number;
}

/** The TLS section for a record (no store access). */
export function TlsView({ record, now }: TlsViewProps) {
  const id = useId();
  const started = Date.parse(record.startedAt);
  const at = now ?? (Number.isNaN(started) ? Date.now() : started);
  const tls = record.tls;
  const heading = (
    <h2 id={`${id}-heading`}>
      TLS
      {tls ? <span className="subtle"> ({tls.via === 'implicit' ? 'implicit' : 'STARTTLS'})</span> : null}
    </h2>
  );

  if (!tls) {
    return (
      <section className="panel tls-panel" aria-labelledby={`${id}-heading`} data-tls="none">
        {heading}
        <NoTls record={record} />
      </section>
    );
  }

  const verdict = tlsVerdict(tls);
  const tone = verdict.status === 'verified' ? 'ok' : verdict.status === 'failed' ? 'error' : 'warn';
  return (
    <section className="panel tls-panel" aria-labelledby={`${id}-heading`} data-tls={verdict.status}>
      {heading}
      <div className={`notice ${tone} tls-verdict`} role={verdict.status === 'failed' ? 'alert' : undefined}>
        <strong>{verdict.headline}</strong>
        {verdict.insecure ? <span className="badge warn">insecure</span> : null}
        {verdict.detail ? <p>{verdict.detail}</p> : null}
        {verdict.hint ? <p className="hint">{verdict.hint}</p> : null}
        {verdict.reason?.code ? (
          <p className="hint">
            Reason code: <code>{verdict.reason.code}</code>
          </p>
        ) : null}
      </div>

      <dl className="kv tls-summary">
        <dt>Protocol</dt>
        <dd>
          <span className="mono">{tls.protocol ?? 'unknown'}</span>
          {tls.protocol && OUTDATED_PROTOCOLS.has(tls.protocol) ? (
            <>
              {' '}
              <span className="badge warn">outdated</span> <span className="subtle">TLS 1.2 or newer is expected today.</span>
            </>
          ) : null}
        </dd>
        <dt>Cipher</dt>
        <dd className="mono">{tls.cipher ?? 'unknown'}</dd>
        <dt>Started by</dt>
        <dd>{VIA[tls.via]}</dd>
        <dt>Checked against</dt>
        <dd>
          {tls.servername ? <span className="mono">{tls.servername}</span> : <span className="subtle">no name (connected by address)</span>}
        </dd>
        <dt>Verification</dt>
        <dd>
          {tls.verificationRequired ? 'Required' : <span className="tls-insecure">Off: any certificate was accepted (insecure)</span>}
        </dd>
      </dl>

      <h3 className="tls-chain-heading">Certificate chain</h3>
      {tls.peerCertificate.length === 0 ? (
        <p className="hint">The server presented no certificate.</p>
      ) : (
        <ol className="tls-chain" aria-label="Certificate chain">
          {tls.peerCertificate.map((cert, i) => (
            <li key={`${cert.fingerprint256}-${i}`}>
              <CertificateCard cert={cert} index={i} count={tls.peerCertificate.length} now={at} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function NoTls({ record }: { record: SessionRecord }) {
  const local = isLocalLink(record);
  if (record.tlsSkipped) {
    return (
      <div className="notice warn" role="note" data-tls-skipped>
        <strong>TLS was not used</strong> (STARTTLS was optional): {record.tlsSkipped}.
        {local ? null : <p className="hint">Everything, including any credentials, crossed the network unencrypted.</p>}
      </div>
    );
  }
  // Nothing crossed the network when nothing connected: no warning about what "travelled in plaintext".
  const connected = record.greeting !== undefined || record.target.remoteAddress !== undefined;
  if (!connected) return <p className="hint">No TLS: the session never reached the server.</p>;
  if (record.target.tls === 'off') {
    return (
      <div className={`notice ${local ? '' : 'warn'}`} data-unencrypted>
        <strong>Unencrypted.</strong> TLS was off for this session: every line travelled in plaintext.
        {local ? ' The link did not leave this machine (loopback or a Unix socket).' : ' Anyone on the network path could read it.'}
      </div>
    );
  }
  const error = record.result.error;
  if (error?.code === 'tls-failed' || error?.code === 'tls-not-offered') {
    return (
      <div className="notice error">
        <strong>No TLS session.</strong> {error.message}
      </div>
    );
  }
  return <p className="hint">No TLS was negotiated: the session ended before the handshake.</p>;
}

const VALIDITY_TONE: Record<ValidityStatus, string> = {
  valid: 'ok',
  expiring: 'warn',
  expired: 'error',
  'not-yet-valid': 'error',
  unknown: '',
};

function CertificateCard({ cert, index, count, now }: { cert: CertificateInfo; index: number; count: number; now: number }) {
  const id = useId();
  const validity = certificateValidity(cert, now);
  const selfIssued = isSelfIssued(cert);
  const role =
    index === 0
      ? selfIssued
        ? 'Server certificate (self-signed)'
        : 'Server certificate'
      : selfIssued
        ? 'Root CA'
        : index === count - 1
          ? 'CA certificate'
          : 'Intermediate CA';
  const names = certificateNames(cert);

  return (
    <article className="tls-cert" aria-labelledby={`${id}-title`} data-validity={validity.status}>
      <h4 id={`${id}-title`}>
        <span className="tls-cert-index">{index + 1}</span> {role}
        {validity.status !== 'valid' && validity.status !== 'unknown' ? (
          <span className={`badge ${VALIDITY_TONE[validity.status]}`}>{validity.text}</span>
        ) : null}
      </h4>
      <dl className="kv">
        <dt>Subject</dt>
        <dd className="mono">{cert.subject || '—'}</dd>
        <dt>Issuer</dt>
        <dd className="mono">{cert.issuer || '—'}</dd>
        {index === 0 || names.length > 0 ? (
          <>
            <dt>Names</dt>
            <dd>
              {names.length === 0 ? (
                <span className="subtle">no subject alternative names</span>
              ) : (
                <ul className="tls-names" aria-label="Subject alternative names">
                  {names.map((n) => (
                    <li key={`${n.type}:${n.value}`} className="chip">
                      {n.type && n.type !== 'DNS' ? <span className="subtle">{n.type}: </span> : null}
                      {n.value}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </>
        ) : null}
        <dt>Valid</dt>
        <dd>
          <span className="mono">{formatCertDate(cert.validFrom)}</span> to <span className="mono">{formatCertDate(cert.validTo)}</span>{' '}
          <span className={`tls-validity ${VALIDITY_TONE[validity.status]}`}>({validity.text})</span>
        </dd>
        <dt>Serial</dt>
        <dd className="mono tls-wrap">{cert.serialNumber || '—'}</dd>
        <dt>SHA-256</dt>
        <dd className="tls-fingerprint">
          <code className="tls-wrap">{cert.fingerprint256 || '—'}</code>
          {cert.fingerprint256 ? (
            <CopyButton text={cert.fingerprint256} label={`Copy the SHA-256 fingerprint of certificate ${index + 1}`} />
          ) : null}
        </dd>
      </dl>
    </article>
  );
}
