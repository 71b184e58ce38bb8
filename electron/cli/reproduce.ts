import { asSmtplib } from '../../shared/reproduce/smtplib.js';
import { NotReproducible, type Reproduced, type Reproduction } from '../../shared/reproduce/spec.js';
import { asSwaks, swaksRewrites } from '../../shared/reproduce/swaks.js';
import { readFileSync } from 'node:fs';
import { prepareMessage } from '../smtp/prepare-message.js';
import { defaultPort } from '../smtp/session.js';
import type { ProbeRequest, SendRequest } from '../smtp/operations.js';
import { messageBytes } from './message-bytes.js';

/** What `--as` was given beside the request: the tool, and the file and variable names the request no longer holds. */
export interface AsOption {
  tool: 'swaks' | 'smtplib';
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** --password-env's name; absent: SMTP_LENS_PASSWORD (with a note when a --password-file was given). */
  secretEnv?: string;
  passwordFile?: string;
  timeoutSeconds?: number;
  messageFile?: string;
}

const DEFAULT_SECRET_ENV = 'SMTP_LENS_PASSWORD';

/** Refuse what neither tool can do, naming the option. */
function assertPlain(command: 'probe' | 'send', request: ProbeRequest | SendRequest, tool: string): void {
  const c = request.connection;
  const refuse = (option: string): never => {
    throw new NotReproducible(`${option} has no equivalent written out by --as ${tool}`);
  };
  if (c.proxy) refuse('--proxy-header');
  if (c.xclient?.length) refuse('--xclient');
  if (command !== 'send') return;
  const send = request as SendRequest;
  const o = send.options ?? {};
  if (send.xforward?.length) refuse('--xforward');
  if (o.count !== undefined) refuse('--count');
  if (o.dsn) refuse('--dsn-*');
  if (o.smtpUtf8) refuse('--smtputf8');
  if (o.bdat === 'on') refuse('--bdat on');
  if (o.mailParams?.length) refuse('--mail-param');
  if (o.rcptParams?.length) refuse('--rcpt-param');
  if (o.prdr) refuse('--prdr');
}

/** Print, instead of running, a swaks command line or a Python smtplib script that does the same session. */
export async function reproduce(command: 'probe' | 'send', request: ProbeRequest | SendRequest, as: AsOption): Promise<Reproduced> {
  assertPlain(command, request, as.tool);
  const c = request.connection;
  const protocol = c.protocol ?? 'smtp';
  const tls = c.tls ?? 'off';
  const t = c.tlsOptions ?? {};
  const notes: string[] = [];
  const spec: Reproduction = {
    operation: command,
    protocol,
    tls,
    ...(c.socketPath !== undefined
      ? { socketPath: c.socketPath }
      : { host: c.host ?? 'localhost', port: c.port ?? defaultPort(protocol, tls) }),
    ...(c.ehloName !== undefined ? { ehloName: c.ehloName } : {}),
    ...(c.helo ? { helo: true } : {}),
    ...(as.timeoutSeconds !== undefined ? { timeoutSeconds: as.timeoutSeconds } : {}),
    ...(c.sourceAddress !== undefined ? { sourceAddress: c.sourceAddress } : {}),
    tlsOptions: {
      verify: t.verify !== false,
      ...(as.caFile !== undefined ? { caFile: as.caFile } : {}),
      ...(t.servername !== undefined ? { servername: t.servername } : {}),
      ...(t.minVersion !== undefined ? { minVersion: t.minVersion } : {}),
      ...(t.maxVersion !== undefined ? { maxVersion: t.maxVersion } : {}),
      ...(t.ciphers !== undefined ? { ciphers: t.ciphers } : {}),
      ...(as.certFile !== undefined ? { certFile: as.certFile } : {}),
      ...(as.keyFile !== undefined ? { keyFile: as.keyFile } : {}),
    },
    ...(request.stopAfter ? { stopAfter: request.stopAfter } : {}),
  };
  const auth = request.auth;
  if (auth) {
    const secretEnv = as.secretEnv ?? DEFAULT_SECRET_ENV;
    if (as.secretEnv === undefined) {
      notes.push(
        as.passwordFile !== undefined
          ? `the secret is read from $${secretEnv} when it runs: set it from ${as.passwordFile}`
          : `the secret is read from $${secretEnv} when it runs`,
      );
    }
    spec.auth = {
      mechanism: auth.mechanism ?? 'auto',
      user: auth.user,
      secretEnv,
      ...(auth.authzid !== undefined ? { authzid: auth.authzid } : {}),
      ...(auth.optional ? { optional: true } : {}),
      ...(auth.initialResponse === false ? { initialResponse: false } : {}),
    };
  }
  if (command === 'send') {
    const prepared = await prepareMessage(request as SendRequest);
    spec.envelope = { from: prepared.envelope.from, to: [...prepared.envelope.to] };
    // A signed file is not the file any more: what is written out is the signed message itself.
    if (as.messageFile !== undefined && !(request as SendRequest).dkim) {
      spec.message = { file: as.messageFile };
      if (as.tool === 'swaks') {
        const rewrites = swaksRewrites(readFileSync(as.messageFile, 'latin1'));
        if (rewrites.length) notes.push(`swaks rewrites ${rewrites.join(', ')} in DATA: the message it sends will differ there`);
      }
    } else {
      // The message as SMTP Lens composed it (Date, Message-ID and MIME boundaries are made now: give --date and
      // --message-id for the same ones every time).
      spec.message = { content: (await messageBytes(prepared)).toString('utf8') };
    }
  }
  const made = as.tool === 'swaks' ? asSwaks(spec) : asSmtplib(spec);
  return { text: made.text, notes: [...notes, ...made.notes] };
}
