import type { SessionRecord } from '../session-record.js';
import { NotReproducible, type Reproduction } from './spec.js';

/** Where the app's reproduction reads the message from: a saved session holds its summary, not its bytes. */
export const MESSAGE_FILE = 'message.eml';
export const SECRET_ENV = 'SMTP_LENS_PASSWORD';
export const USER_ENV = 'SMTP_LENS_USER';

/**
 * A saved session as a reproduction ("Copy as swaks command", "Copy as Python script"): its target, TLS mode and
 * verification, AUTH mechanism, where it stopped, and its envelope. What the record does not hold is named in the
 * notes (the message, a CA file, the user when the form has none).
 */
export function reproductionFromRecord(record: SessionRecord, known: { user?: string } = {}): { spec: Reproduction; notes: string[] } {
  if (record.operation !== 'probe' && record.operation !== 'send') {
    throw new NotReproducible(`a ${record.operation} session is not reproduced (only probe and send)`);
  }
  if (record.batch) throw new NotReproducible('a batch of messages is not reproduced');
  if (record.xclient) throw new NotReproducible('XCLIENT has no equivalent in swaks or smtplib as written out here');
  const notes: string[] = [];
  const t = record.target;
  const tls = record.tls;
  const spec: Reproduction = {
    operation: record.operation,
    protocol: t.protocol,
    tls: t.tls,
    ...(t.socketPath !== undefined
      ? { socketPath: t.socketPath }
      : { host: t.host ?? 'localhost', ...(t.port !== undefined ? { port: t.port } : {}) }),
    ...(t.ehloName ? { ehloName: t.ehloName } : {}),
    ...(record.helloVerb === 'HELO' ? { helo: true } : {}),
    tlsOptions: {
      verify: tls ? tls.verificationRequired : true,
      ...(tls?.servername !== undefined && tls.servername !== t.host ? { servername: tls.servername } : {}),
    },
    ...(record.stoppedAfter ? { stopAfter: record.stoppedAfter } : {}),
  };
  if (t.tls !== 'off' && spec.tlsOptions.verify)
    notes.push('if the session trusted a CA of its own, give its file (swaks --tls-ca-path, cafile=)');
  if (record.auth || record.authSkipped) {
    const user = known.user?.trim();
    spec.auth = {
      mechanism: record.auth?.mechanism ?? 'auto',
      user: user ? user : { env: USER_ENV },
      secretEnv: SECRET_ENV,
      ...(record.authSkipped ? { optional: true } : {}),
    };
    notes.push(`the secret is read from $${SECRET_ENV}${user ? '' : ` and the user from $${USER_ENV}`} when it runs`);
  }
  if (record.operation === 'send') {
    const m = record.message;
    if (!m) throw new NotReproducible('the session sent no message: there is no envelope to reproduce');
    spec.envelope = { from: m.envelopeFrom, to: [...m.envelopeTo] };
    spec.message = { file: MESSAGE_FILE };
    notes.push(`the message is read from ${MESSAGE_FILE}: a saved session keeps its summary, not its bytes`);
  }
  return { spec, notes };
}
