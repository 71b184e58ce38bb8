import { NotReproducible, versionsBetween, type Reproduced, type Reproduction } from './spec.js';
import { assertEnvName } from './shell.js';

/** A Python string literal (str or bytes) of `text`: printable ASCII as is, everything else escaped. */
function pyLiteral(text: string, bytes = false): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (bytes && c > 0xff) throw new Error('a bytes literal holds bytes only');
    else if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${bytes ? 'b' : ''}'${out}'`;
}

/** The message as a bytes literal, one source line per message line. `content` is UTF-8 text (as composed). */
function messageLiteral(content: string): string {
  // One character per UTF-8 byte, so the literal holds the bytes SMTP Lens sends.
  const latin1 = Array.from(new TextEncoder().encode(content), (b) => String.fromCharCode(b)).join('');
  const lines = latin1.match(/[^\n]*\n|[^\n]+$/g) ?? [''];
  return `(\n${lines.map((l) => `    ${pyLiteral(l, true)}`).join('\n')}\n)`;
}

/**
 * A Python 3 script that does the same session with smtplib. The secret is read from the environment variable named
 * when the script runs; it exits 0 when the server accepted everything, and 1 when it refused something or failed.
 */
export function asSmtplib(r: Reproduction): Reproduced {
  const notes: string[] = [];
  const t = r.tlsOptions;
  if (r.tls !== 'off' && t.servername !== undefined && t.servername !== r.host) {
    throw new NotReproducible('smtplib checks the certificate against the host it connects to: it cannot send another TLS server name');
  }
  if (r.auth?.mechanism.toUpperCase().startsWith('SCRAM')) throw new NotReproducible('smtplib has no SCRAM');
  if (r.auth?.authzid !== undefined && r.auth.mechanism.toUpperCase() !== 'PLAIN') {
    throw new NotReproducible('smtplib sends an authorization identity only with PLAIN written out here; give --auth plain');
  }
  const py: string[] = [
    '#!/usr/bin/env python3',
    `"""${r.operation === 'send' ? 'Send a message' : 'Probe a server'} as SMTP Lens did, with Python's smtplib."""`,
  ];
  py.push('import os', 'import smtplib', ...(r.socketPath !== undefined ? ['import socket'] : []), 'import ssl', 'import sys', '');

  // The TLS context: verification as SMTP Lens did it, and the same versions, ciphers and client certificate.
  if (r.tls !== 'off') {
    if (t.verify) py.push(`context = ssl.create_default_context(${t.caFile !== undefined ? `cafile=${pyLiteral(t.caFile)}` : ''})`);
    else py.push('context = ssl.create_default_context()', 'context.check_hostname = False', 'context.verify_mode = ssl.CERT_NONE');
    const versions = versionsBetween(t.minVersion, t.maxVersion);
    const py_version = (v: string): string => `ssl.TLSVersion.${v.replace('.', '_')}`;
    if (versions)
      py.push(`context.minimum_version = ${py_version(versions[0]!)}`, `context.maximum_version = ${py_version(versions.at(-1)!)}`);
    if (t.ciphers !== undefined) py.push(`context.set_ciphers(${pyLiteral(t.ciphers)})`);
    if (t.certFile !== undefined)
      py.push(`context.load_cert_chain(${pyLiteral(t.certFile)}${t.keyFile !== undefined ? `, ${pyLiteral(t.keyFile)}` : ''})`);
    py.push('');
  }

  // The client class: SMTP, SMTP_SSL or LMTP; a Unix socket for SMTP needs a small subclass (LMTP has one).
  const base = r.protocol === 'lmtp' ? 'smtplib.LMTP' : r.tls === 'implicit' ? 'smtplib.SMTP_SSL' : 'smtplib.SMTP';
  if (r.protocol === 'lmtp' && r.tls === 'implicit') throw new NotReproducible('smtplib has no LMTP over implicit TLS');
  let cls = base;
  if (r.socketPath !== undefined && r.protocol !== 'lmtp') {
    if (r.tls === 'implicit') throw new NotReproducible('smtplib cannot do implicit TLS over a Unix socket');
    py.push(
      'class UnixSMTP(smtplib.SMTP):',
      '    """SMTP over a Unix-domain socket (smtplib does this only for LMTP)."""',
      '',
      '    def _get_socket(self, host, port, timeout):',
      '        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
      '        sock.settimeout(timeout)',
      '        sock.connect(host)',
      '        return sock',
      '',
      '',
    );
    cls = 'UnixSMTP';
  }
  // The host goes to the constructor: smtplib checks the certificate against the host given there.
  if (r.socketPath === undefined && r.host === undefined) throw new NotReproducible('no host');
  const ctorArgs = [
    ...(r.socketPath !== undefined ? [pyLiteral(r.socketPath)] : [pyLiteral(r.host!), String(r.port ?? 25)]),
    ...(r.ehloName !== undefined ? [`local_hostname=${pyLiteral(r.ehloName)}`] : []),
    ...(r.timeoutSeconds !== undefined ? [`timeout=${r.timeoutSeconds}`] : []),
    ...(r.sourceAddress !== undefined ? [`source_address=(${pyLiteral(r.sourceAddress)}, 0)`] : []),
    ...(r.tls === 'implicit' ? ['context=context'] : []),
  ];
  py.push(`client = ${cls}(${ctorArgs.join(', ')})`);
  py.push('client.set_debuglevel(1)  # the dialogue from here on, on stderr');
  const stop = r.stopAfter;
  const stopHere = (stage: string): string[] =>
    stop && stop.stage === stage ? [stop.quit ? 'client.quit()' : 'client.close()', 'sys.exit(0)'] : [];
  if (stop && stop.stage === 'connect' && !stop.quit) notes.push('smtplib reads the greeting before it can drop the connection');
  py.push(...stopHere('connect'), ...stopHere('greeting'));
  const hello = r.helo ? 'client.helo()' : 'client.ehlo()';
  py.push(hello, ...stopHere('ehlo'));
  if (r.tls === 'starttls') py.push('client.starttls(context=context)', 'client.ehlo()');
  else if (r.tls === 'starttls-optional')
    py.push("if client.has_extn('starttls'):", '    client.starttls(context=context)', '    client.ehlo()');
  py.push(...stopHere('tls'));

  if (r.auth) {
    const a = r.auth;
    const user = typeof a.user === 'string' ? pyLiteral(a.user) : `os.environ[${pyLiteral(assertEnvName(a.user.env))}]`;
    const secret = `os.environ[${pyLiteral(assertEnvName(a.secretEnv))}]`;
    const mechanism = a.mechanism.toUpperCase();
    const ir = a.initialResponse === false ? ', initial_response_ok=False' : '';
    let call: string[];
    if (mechanism === 'AUTO') {
      call = ['client.login(user, secret)'];
      notes.push("smtplib's login() picks CRAM-MD5, PLAIN or LOGIN, in that order (no SCRAM)");
    } else if (mechanism === 'XOAUTH2' || mechanism === 'OAUTHBEARER') {
      const first =
        mechanism === 'XOAUTH2' ? "f'user={user}\\x01auth=Bearer {secret}\\x01\\x01'" : "f'n,a={user},\\x01auth=Bearer {secret}\\x01\\x01'";
      // After a 334 error challenge the client answers with a dummy response; the server then says 535.
      const dummy = mechanism === 'XOAUTH2' ? "''" : "'\\x01'";
      call = [`client.auth(${pyLiteral(mechanism)}, lambda challenge=None: ${first} if challenge is None else ${dummy}${ir})`];
    } else {
      const method = { PLAIN: 'auth_plain', LOGIN: 'auth_login', 'CRAM-MD5': 'auth_cram_md5' }[mechanism];
      if (!method) throw new NotReproducible(`smtplib has no ${mechanism}`);
      if (a.authzid !== undefined) {
        call = [`authzid = ${pyLiteral(a.authzid)}`, `client.auth('PLAIN', lambda challenge=None: f'{authzid}\\0{user}\\0{secret}'${ir})`];
      } else call = ['client.user, client.password = user, secret', `client.auth(${pyLiteral(mechanism)}, client.${method}${ir})`];
    }
    const lines = [`user = ${user}`, `secret = ${secret}`, ...call];
    if (a.optional) py.push("if client.has_extn('auth'):", ...lines.map((l) => `    ${l}`));
    else py.push(...lines);
  }
  py.push(...stopHere('auth'));

  if (r.operation === 'probe') {
    py.push("print(client.ehlo_resp.decode('utf-8', 'replace') if client.ehlo_resp else '')", 'client.quit()');
    return { text: py.join('\n') + '\n', notes };
  }
  if (!r.envelope) throw new NotReproducible('there is no envelope');
  py.push(`sender = ${pyLiteral(r.envelope.from)}`, `recipients = [${r.envelope.to.map((x) => pyLiteral(x)).join(', ')}]`);
  if (stop && (stop.stage === 'mail' || stop.stage === 'rcpt')) {
    // Envelope only: MAIL, then (for rcpt) each RCPT, and stop; the exit status is the recipients' verdict.
    py.push(
      'code, text = client.mail(sender)',
      'if code != 250:',
      "    print(f'MAIL FROM refused: {code} {text.decode()}', file=sys.stderr)",
      '    sys.exit(1)',
    );
    if (stop.stage === 'mail') py.push(stop.quit ? 'client.quit()' : 'client.close()', 'sys.exit(0)');
    else
      py.push(
        'refused = {}',
        'for rcpt in recipients:',
        '    code, text = client.rcpt(rcpt)',
        '    if code not in (250, 251):',
        '        refused[rcpt] = (code, text)',
        stop.quit ? 'client.quit()' : 'client.close()',
        'for rcpt, (code, text) in refused.items():',
        "    print(f'{rcpt}: {code} {text.decode()}', file=sys.stderr)",
        'sys.exit(1 if refused else 0)',
      );
    return { text: py.join('\n') + '\n', notes };
  }
  if (!r.message) throw new NotReproducible('there is no message to send');
  if ('file' in r.message) py.push(`with open(${pyLiteral(r.message.file)}, 'rb') as f:`, '    message = f.read()');
  else py.push(`message = ${messageLiteral(r.message.content)}`);
  if (r.protocol === 'lmtp' && r.envelope.to.length > 1) {
    notes.push('smtplib reads one reply after DATA; an LMTP server sends one per recipient');
  }
  py.push(
    "options = ['BODY=8BITMIME'] if client.has_extn('8bitmime') and any(b > 127 for b in message) else []",
    'try:',
    '    refused = client.sendmail(sender, recipients, message, mail_options=options)',
    'except smtplib.SMTPRecipientsRefused as error:',
    '    refused = error.recipients',
    'except smtplib.SMTPResponseException as error:',
    "    print(f'refused: {error.smtp_code} {error.smtp_error.decode()}', file=sys.stderr)",
    '    sys.exit(1)',
    'client.quit()',
    'for rcpt, (code, text) in refused.items():',
    "    print(f'{rcpt}: {code} {text.decode()}', file=sys.stderr)",
    'sys.exit(1 if refused else 0)',
  );
  return { text: py.join('\n') + '\n', notes };
}
