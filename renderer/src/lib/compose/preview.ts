import type { MessagePreview } from '../../../../shared/ipc/contract.js';
import type { ComposeSettings } from '../../../../shared/ipc/schemas.js';

/**
 * What the preview shows besides the raw message: the SMTP commands the envelope will become and the parameters
 * they will carry, with the extension each needs. The server's capabilities are not known before connecting, so
 * each parameter says what it depends on. Pure functions, no DOM.
 */

export interface PlannedParam {
  /** As it goes on the wire, e.g. "SIZE=1234". */
  param: string;
  /** The extension the server must advertise for it. */
  extension: string;
  /** Sent only when advertised (SIZE), rather than required. */
  optional: boolean;
}

export interface PlannedTransaction {
  mailFrom: string;
  mailParams: PlannedParam[];
  rcpts: { line: string; params: PlannedParam[] }[];
  /** DATA, BDAT, or either depending on CHUNKING. */
  method: string;
  /** One sentence on what happens when an extension is missing. */
  missingExtensions: string;
}

/** RFC 3461 xtext, as the engine encodes ENVID and ORCPT. */
export function xtext(value: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    if (byte >= 0x21 && byte <= 0x7e && byte !== 0x2b && byte !== 0x3d) out += String.fromCharCode(byte);
    else out += '+' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** The MAIL FROM and RCPT TO lines (with parameters) that sending this preview will write. */
export function plannedTransaction(preview: MessagePreview, settings: ComposeSettings): PlannedTransaction {
  const mailParams: PlannedParam[] = [{ param: `SIZE=${preview.size}`, extension: 'SIZE', optional: true }];
  if (preview.eightBit) mailParams.push({ param: 'BODY=8BITMIME', extension: '8BITMIME', optional: false });
  if (settings.smtpUtf8 || preview.needsSmtpUtf8) mailParams.push({ param: 'SMTPUTF8', extension: 'SMTPUTF8', optional: false });
  const dsn = settings.dsn;
  if (dsn?.ret) mailParams.push({ param: `RET=${dsn.ret}`, extension: 'DSN', optional: false });
  if (dsn?.envid) mailParams.push({ param: `ENVID=${xtext(dsn.envid)}`, extension: 'DSN', optional: false });

  const rcpts = preview.envelopeTo.map((address) => {
    const params: PlannedParam[] = [];
    if (dsn?.notify?.length) params.push({ param: `NOTIFY=${dsn.notify.join(',')}`, extension: 'DSN', optional: false });
    if (dsn?.orcpt) {
      params.push({ param: `ORCPT=${NON_ASCII.test(address) ? 'utf-8' : 'rfc822'};${xtext(address)}`, extension: 'DSN', optional: false });
    }
    return { line: `RCPT TO:<${address}>`, params };
  });

  const bdat = settings.bdat ?? 'auto';
  const method = bdat === 'off' ? 'DATA' : bdat === 'on' ? 'BDAT (needs CHUNKING)' : 'BDAT if the server advertises CHUNKING, else DATA';
  const missingExtensions = settings.forceParams
    ? 'Parameters are forced: they are sent even when the server does not advertise their extension.'
    : 'If the server does not advertise an extension a parameter needs, nothing is sent and the send stops with "not supported" (SIZE is simply left out).';
  return { mailFrom: `MAIL FROM:<${preview.envelopeFrom}>`, mailParams, rcpts, method, missingExtensions };
}
