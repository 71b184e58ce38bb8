import type { StopStage } from '../session-record.js';
import { NotReproducible, versionsBetween, type Reproduced, type Reproduction } from './spec.js';
import { assertEnvName, heredocDelimiter, shellWord } from './shell.js';

/** The mechanisms swaks 20201014 has (of ours): others cannot be reproduced with it. */
const SWAKS_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5'];

/** Our stop stages as swaks' stop points (--quit-after / --drop-after). */
const STOP_POINTS: Record<StopStage, string> = {
  connect: 'connect',
  greeting: 'banner',
  ehlo: 'first-helo',
  tls: 'tls',
  auth: 'auth',
  mail: 'mail',
  rcpt: 'rcpt',
};

/** What swaks' DATA token parsing would rewrite in a message (its tokens, and a literal backslash-n). */
export function swaksRewrites(message: string): string[] {
  const found = new Set<string>();
  for (const m of message.matchAll(/%(FROM_ADDRESS|TO_ADDRESS|DATE|MESSAGEID|SWAKS_VERSION|NEW_HEADERS|BODY|NEWLINE)%/g)) found.add(m[0]);
  if (message.includes('\\n')) found.add('\\n');
  return [...found];
}

/**
 * A swaks (20201014 or later) command line that does the same session. The secret is handed over in swaks' own
 * environment variable, set from the one named, so it is neither printed nor visible in `ps`.
 */
export function asSwaks(r: Reproduction): Reproduced {
  const notes: string[] = [];
  const args: string[] = [];
  const env: string[] = [];
  if (r.socketPath !== undefined) args.push('--socket', r.socketPath);
  else {
    args.push('--server', r.host ?? 'localhost');
    if (r.port !== undefined) args.push('--port', String(r.port));
  }
  if (r.protocol === 'lmtp') args.push('--protocol', 'LMTP');
  else if (r.helo) args.push('--protocol', 'SMTP');
  if (r.ehloName !== undefined) args.push('--ehlo', r.ehloName);
  if (r.timeoutSeconds !== undefined) args.push('--timeout', `${r.timeoutSeconds}s`);
  if (r.sourceAddress !== undefined) args.push('--local-interface', r.sourceAddress);

  if (r.tls === 'starttls') args.push('--tls');
  else if (r.tls === 'starttls-optional') args.push('--tls-optional-strict');
  else if (r.tls === 'implicit') args.push('--tls-on-connect');
  if (r.tls !== 'off') {
    const t = r.tlsOptions;
    if (t.verify) {
      args.push('--tls-verify');
      if (t.caFile !== undefined) args.push('--tls-ca-path', t.caFile);
    }
    if (t.servername !== undefined) args.push('--tls-sni', t.servername);
    const versions = versionsBetween(t.minVersion, t.maxVersion);
    if (versions) args.push('--tls-protocol', versions.map((v) => v.toLowerCase().replace('.', '_')).join(','));
    if (t.ciphers !== undefined) args.push('--tls-cipher', t.ciphers);
    if (t.certFile !== undefined) args.push('--tls-cert', t.certFile);
    if (t.keyFile !== undefined) args.push('--tls-key', t.keyFile);
  }

  if (r.auth) {
    const a = r.auth;
    const mechanism = a.mechanism.toUpperCase();
    if (mechanism !== 'AUTO' && !SWAKS_MECHANISMS.includes(mechanism)) {
      throw new NotReproducible(`swaks has no ${mechanism} (it has ${SWAKS_MECHANISMS.join(', ')})`);
    }
    if (a.authzid !== undefined) throw new NotReproducible('swaks cannot send an authorization identity (--authzid)');
    // -aos: go on without AUTH when none is offered, but fail when it is and fails (as --auth-optional does here).
    args.push(a.optional ? '--auth-optional-strict' : '--auth');
    if (mechanism !== 'AUTO') args.push(mechanism);
    else notes.push('swaks picks the mechanism from those it has (no SCRAM, XOAUTH2 or OAUTHBEARER)');
    args.push('--auth-user', typeof a.user === 'string' ? a.user : `"$${assertEnvName(a.user.env)}"`);
    env.push(`SWAKS_OPT_auth_password="$${assertEnvName(a.secretEnv)}"`);
    if (a.initialResponse === false) notes.push('swaks decides itself whether to send an initial response');
  }

  let stop = r.stopAfter;
  if (!stop && r.operation === 'probe') stop = { stage: 'auth', quit: true };
  if (stop) {
    if (stop.stage === 'connect' && !stop.quit) notes.push('swaks reads the greeting before it drops the connection');
    args.push(stop.quit ? '--quit-after' : '--drop-after', STOP_POINTS[stop.stage]);
  }

  // swaks ends DATA with CRLF "." after whatever it is given, so a message that ends in CRLF would get an empty line
  // more; a closing "." line of our own is taken as the end instead (swaks removes it). --no-strip-from: send a
  // leading "From " line as it is, as SMTP Lens does.
  let heredoc: string | undefined;
  let pipeFrom: string | undefined;
  if (r.envelope) {
    args.push('--from', r.envelope.from);
    if (r.envelope.to.length) args.push('--to', r.envelope.to.join(','));
  }
  if (r.operation === 'send' && !(stop && (stop.stage === 'mail' || stop.stage === 'rcpt'))) {
    if (!r.message) throw new NotReproducible('there is no message to send');
    args.push('--no-strip-from');
    if ('file' in r.message) {
      args.push('--data', '-');
      pipeFrom = `awk '1; END { print "." }' ${shellWord(r.message.file)} | `;
    } else {
      const text = r.message.content.replace(/\r\n/g, '\n');
      if (text.includes('\r')) throw new NotReproducible('the message has a bare CR, which swaks would not send as it is');
      args.push('--data', '-');
      const body = `${text.endsWith('\n') ? text : `${text}\n`}.\n`;
      const delimiter = heredocDelimiter(body);
      heredoc = `<<'${delimiter}'\n${body}${delimiter}\n`;
    }
    if ('content' in r.message) {
      const rewrites = swaksRewrites(r.message.content);
      if (rewrites.length) notes.push(`swaks rewrites ${rewrites.join(', ')} in DATA: the message it sends will differ there`);
    }
  }
  const words = [...env, 'swaks', ...args.map((a) => (a.startsWith('"$') ? a : shellWord(a)))];
  const line = (pipeFrom ?? '') + words.join(' ');
  return { text: heredoc ? `${line} ${heredoc}` : `${line}\n`, notes };
}
