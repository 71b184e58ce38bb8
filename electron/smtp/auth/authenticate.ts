import type { AuthResult, AuthStep } from '../../../shared/session-record.js';
import { SmtpError } from '../errors.js';
import { replyInfo, type Reply } from '../protocol/reply.js';
import { redactionMarker } from '../transcript.js';
import type { SaslClient } from './sasl.js';

/** The two operations an AUTH exchange needs from the session. */
export interface AuthIo {
  /** Send a line; `shown` is its redacted form for the transcript. */
  send(line: string, shown: string): Promise<void>;
  read(): Promise<Reply>;
}

// RFC 4954 §4: a command line is at most 512 octets including CRLF; longer initial responses go after a 334.
const MAX_AUTH_LINE = 510;
// Guard against a server that keeps challenging forever.
const MAX_CHALLENGES = 16;

const b64 = (data: Buffer): string => data.toString('base64');

/** The JSON error XOAUTH2 (and OAUTHBEARER) servers send in a 334, decoded; a text that is not JSON is kept as is. */
export function decodeServerError(text: string): NonNullable<AuthResult['serverError']> {
  const decoded: NonNullable<AuthResult['serverError']> = { text };
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null) {
      const fields = value as Record<string, unknown>;
      for (const key of ['status', 'schemes', 'scope'] as const) {
        if (typeof fields[key] === 'string' || typeof fields[key] === 'number') decoded[key] = String(fields[key]);
      }
      const openid = fields['openid-configuration'];
      if (typeof openid === 'string') decoded.openidConfiguration = openid;
    }
  } catch {
    // Not JSON: the text is what the server said.
  }
  return decoded;
}

/** The server's error in a few words: "status 401, schemes Bearer, scope https://mail.example/". */
export function describeServerError(error: NonNullable<AuthResult['serverError']>): string {
  const parts = (['status', 'schemes', 'scope', 'openidConfiguration'] as const)
    .filter((k) => error[k] !== undefined)
    .map((k) => `${k === 'openidConfiguration' ? 'openid-configuration' : k} ${error[k]}`);
  return parts.length ? parts.join(', ') : error.text;
}

/** How an exchange ended: the record's result, and the typed error when it did not succeed. */
export interface AuthOutcome {
  result: AuthResult;
  error?: SmtpError;
}

/**
 * Run one AUTH exchange with the given mechanism. Every client response is redacted at capture;
 * a malformed challenge is answered with "*" (cancel). Failures come back as an outcome with an error;
 * only a broken link (timeout, disconnect) throws.
 */
export async function authenticate(io: AuthIo, client: SaslClient, options: { initialResponse?: boolean } = {}): Promise<AuthOutcome> {
  const started = performance.now();
  const steps: AuthStep[] = [];
  const mechanism = client.name;
  const command = `AUTH ${mechanism}`;
  const finish = (reply: Reply, failure?: SmtpError): AuthOutcome => {
    let error = failure;
    const result: AuthResult = {
      mechanism,
      ok: !error,
      code: reply.code,
      text: reply.text,
      steps,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    if (reply.enhancedCode) result.enhancedCode = reply.enhancedCode;
    if (client.serverVerified !== undefined) result.serverSignatureVerified = client.serverVerified;
    if (client.errorDetail !== undefined) result.serverError = decodeServerError(client.errorDetail);
    if (error && result.serverError) {
      const said = describeServerError(result.serverError);
      error = new SmtpError(error.code, `${error.message} (the server said: ${said})`, { reply, command, cause: error.cause });
    }
    return error ? { result, error } : { result };
  };
  const exchange = async (line: string, shown: string): Promise<Reply> => {
    await io.send(line, shown);
    const reply = await io.read();
    steps.push({ sent: shown, reply: replyInfo(reply) });
    return reply;
  };
  // RFC 4954 §4: "*" cancels the exchange; the server answers 501.
  const cancel = async (why: SmtpError): Promise<AuthOutcome> => finish(await exchange('*', '*'), why);

  let initial: Buffer | null = null;
  if (client.supportsInitialResponse && options.initialResponse !== false) initial = client.initialResponse();
  let pendingInitial: Buffer | null = null;
  let line = command;
  let shown = command;
  if (initial !== null) {
    // A zero-length initial response is sent as "=" (RFC 4954 §4).
    const encoded = initial.length === 0 ? '=' : b64(initial);
    if (line.length + 1 + encoded.length <= MAX_AUTH_LINE) {
      line += ' ' + encoded;
      shown += ' ' + (initial.length === 0 ? '=' : redactionMarker(encoded.length));
    } else {
      pendingInitial = initial;
    }
  }

  let reply = await exchange(line, shown);
  let challenges = 0;
  while (reply.code === 334) {
    if (++challenges > MAX_CHALLENGES) {
      return cancel(new SmtpError('protocol-error', `the server sent more than ${MAX_CHALLENGES} AUTH challenges`, { reply, command }));
    }
    let response: Buffer;
    if (pendingInitial !== null) {
      response = pendingInitial;
      pendingInitial = null;
    } else {
      const text = reply.lines[0]?.text.trim() ?? '';
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
        return cancel(new SmtpError('protocol-error', 'the server sent an AUTH challenge that is not valid base64', { reply, command }));
      }
      try {
        response = client.respond(Buffer.from(text, 'base64'));
      } catch (error) {
        const why = error instanceof SmtpError ? error : new SmtpError('protocol-error', String(error));
        return cancel(new SmtpError(why.code, why.message, { reply, command }));
      }
    }
    const encoded = b64(response);
    reply = await exchange(encoded, encoded.length === 0 ? '' : redactionMarker(encoded.length));
  }

  if (reply.code === 235) {
    try {
      client.complete();
    } catch (error) {
      // SCRAM: the server accepted us without proving it knows the password; do not trust the session.
      const why = error instanceof SmtpError ? error : new SmtpError('auth-failed', String(error));
      return finish(reply, new SmtpError(why.code, why.message, { reply, command }));
    }
    return finish(reply);
  }
  const code = reply.code === 504 ? 'not-supported' : 'auth-failed';
  const what = reply.code === 504 ? `the server does not accept ${mechanism}` : `authentication with ${mechanism} failed`;
  return finish(reply, new SmtpError(code, `${what}: ${reply.code} ${reply.text}`, { reply, command }));
}
