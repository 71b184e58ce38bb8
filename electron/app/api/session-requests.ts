import { basename, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import type { AuthSettingsSchema, ComposeSchema, ConnectionSettingsSchema } from '../../../shared/ipc/schemas.js';
import type { SessionRecord } from '../../../shared/session-record.js';
import { SmtpError } from '../../smtp/errors.js';
import type { MessageRequest } from '../../smtp/live-session.js';
import type { AttachmentInput, ComposeInput } from '../../smtp/message/compose.js';
import type { SessionOptions } from '../../smtp/session.js';
import type { SendOptions } from '../../smtp/transaction.js';
import { AppError } from '../services/app-error.js';
import { defined } from '../../../shared/defined.js';

/** The renderer's requests, as the schemas leave them (defaults filled in), turned into the engine's terms. Pure. */

export type ConnectionInput = z.output<typeof ConnectionSettingsSchema>;
export type AuthInput = z.output<typeof AuthSettingsSchema>;
export type ComposeRequest = z.output<typeof ComposeSchema>;

/** Map the renderer's connection settings to the engine's session options. */
export function toSessionOptions(c: ConnectionInput): SessionOptions {
  if (c.clientKeyPem !== undefined && c.clientCertPem === undefined) {
    throw new SmtpError('invalid-input', 'a client key needs a client certificate');
  }
  const options: SessionOptions = {
    protocol: c.protocol,
    tls: c.tls,
    captureData: c.captureData,
    allowPlaintextAuth: c.allowPlaintextAuth,
    tlsOptions: {
      verify: c.verify,
      ...defined({
        ca: c.caPem,
        servername: c.servername,
        minVersion: c.minVersion,
        maxVersion: c.maxVersion,
        ciphers: c.ciphers,
        cert: c.clientCertPem,
        key: c.clientKeyPem,
      }),
    },
  };
  if (c.socketPath !== undefined) options.socketPath = c.socketPath;
  else {
    if (c.host !== undefined) options.host = c.host;
    if (c.port !== undefined) options.port = c.port;
  }
  if (c.sourceAddress !== undefined) options.sourceAddress = c.sourceAddress;
  if (c.ehloName !== undefined) options.ehloName = c.ehloName;
  // One number sets every stage's timeout.
  if (c.timeoutSeconds !== undefined) options.timeouts = Math.round(c.timeoutSeconds * 1000);
  if (c.deadlineSeconds !== undefined) options.deadlineMs = Math.round(c.deadlineSeconds * 1000);
  return options;
}

/** A copy of a record without a secret that should never have been in it (belt and braces: the engine redacts at capture). */
export function scrubSecret(record: SessionRecord, secret: string | undefined): SessionRecord {
  if (!secret || secret.length < 4) return record;
  const json = JSON.stringify(record);
  const needle = JSON.stringify(secret).slice(1, -1);
  if (!json.includes(needle)) return record;
  console.error('smtp-lens: a secret reached a session record; it was removed before leaving main');
  return JSON.parse(json.split(needle).join('<redacted>')) as SessionRecord;
}

/** Where files the renderer names may come from: picked in a native dialog, or uploaded to the web host. */
export interface AttachmentSources {
  /** Whether a path was picked in a native dialog (Electron). */
  isPicked(path: string): boolean;
  /** The file an upload id stands for (the web host), or undefined. */
  uploaded(id: string): string | undefined;
}

/**
 * The engine's message request and send options for the renderer's compose form. Path attachments must have been
 * picked in a native dialog, uploads must be this host's. Also used by `message.preview`.
 */
export function toMessageRequest(m: ComposeRequest, sources: AttachmentSources): { message: MessageRequest; options: SendOptions } {
  const attachments: AttachmentInput[] = m.attachments.map((a) => {
    if ('path' in a) {
      const full = resolve(a.path);
      if (!isAbsolute(a.path) || !sources.isPicked(full)) {
        throw new AppError('forbidden', `the file "${basename(a.path)}" was not picked in a file dialog; attach it again`);
      }
      return { path: full, ...defined({ filename: a.filename }) };
    }
    if ('upload' in a) {
      const path = sources.uploaded(a.upload);
      if (!path) throw new AppError('not-found', `the upload of "${a.filename}" is gone (the host restarted?); attach it again`);
      return { path, filename: a.filename, ...defined({ contentType: a.contentType }) };
    }
    return {
      filename: a.filename,
      content: Buffer.from(a.contentBase64, 'base64'),
      ...defined({ contentType: a.contentType }),
    };
  });
  const compose: ComposeInput = {
    from: m.from,
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    replyTo: m.replyTo,
    subject: m.subject,
    text: m.text,
    headers: m.headers,
    attachments,
    utf8Headers: m.utf8Headers,
    ...defined({ html: m.html, messageId: m.messageId }),
  };
  const envelope = {
    ...defined({ from: m.envelopeFrom, to: m.envelopeTo }),
  };
  const options: SendOptions = { smtpUtf8: m.smtpUtf8, bdat: m.bdat, force: m.forceParams, prdr: m.prdr };
  if (m.dsn) {
    options.dsn = {
      ...defined({ ret: m.dsn.ret, envid: m.dsn.envid, notify: m.dsn.notify, orcpt: m.dsn.orcpt }),
    };
  }
  return { message: { message: { compose }, envelope }, options };
}
