import type { SmtpErrorCode, SmtpErrorInfo } from '../../shared/errors.js';
import type { Reply } from './protocol/reply.js';

export type { SmtpErrorCode, SmtpErrorInfo };

/** The engine's one error type: a stable `code` to switch on, plus the reply and command that caused it. */
export class SmtpError extends Error {
  override readonly name = 'SmtpError';
  readonly code: SmtpErrorCode;
  readonly replyCode?: number;
  readonly enhancedCode?: string;
  readonly replyText?: string;
  readonly command?: string;
  readonly raw?: string;
  readonly stage?: string;
  readonly hint?: string;
  readonly suggestTls?: SmtpErrorInfo['suggestTls'];

  constructor(
    code: SmtpErrorCode,
    message: string,
    details: {
      reply?: Reply;
      command?: string;
      raw?: string;
      stage?: string;
      cause?: unknown;
      hint?: string;
      suggestTls?: SmtpErrorInfo['suggestTls'];
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.reply) {
      this.replyCode = details.reply.code;
      this.enhancedCode = details.reply.enhancedCode;
      this.replyText = details.reply.text;
    }
    this.command = details.command;
    this.raw = details.raw;
    this.stage = details.stage;
    this.hint = details.hint;
    this.suggestTls = details.suggestTls;
  }

  /** The same error with a hint added (errors are immutable). */
  withHint(hint: string, suggestTls?: SmtpErrorInfo['suggestTls']): SmtpError {
    const copy = new SmtpError(this.code, this.message, {
      command: this.command,
      raw: this.raw,
      stage: this.stage,
      cause: this.cause,
      hint,
      ...(suggestTls ? { suggestTls } : {}),
    });
    Object.assign(copy, { replyCode: this.replyCode, enhancedCode: this.enhancedCode, replyText: this.replyText });
    return copy;
  }

  toJSON(): SmtpErrorInfo {
    const info: SmtpErrorInfo = { code: this.code, message: this.message };
    if (this.replyCode !== undefined) info.replyCode = this.replyCode;
    if (this.enhancedCode !== undefined) info.enhancedCode = this.enhancedCode;
    if (this.replyText !== undefined) info.replyText = this.replyText;
    if (this.command !== undefined) info.command = this.command;
    if (this.raw !== undefined) info.raw = this.raw;
    if (this.stage !== undefined) info.stage = this.stage;
    if (this.hint !== undefined) info.hint = this.hint;
    if (this.suggestTls !== undefined) info.suggestTls = this.suggestTls;
    return info;
  }
}

/** Failures after which the connection cannot be used again: whatever runs on it ends. */
export const FATAL_ERRORS: ReadonlySet<SmtpErrorCode> = new Set<SmtpErrorCode>([
  'connect-failed',
  'server-disconnected',
  'tls-failed',
  'timeout',
  'cancelled',
  'protocol-error',
  'delivery-unknown',
]);

/** Whether an unknown thrown value is an engine error. */
export function isSmtpError(value: unknown): value is SmtpError {
  return value instanceof SmtpError;
}

/** Escape bytes for showing in an error or transcript: printable ASCII as is, CR/LF/others as \r \n \xNN. */
export function escapeBytes(bytes: Uint8Array | string, limit = 512): string {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  let out = '';
  const n = Math.min(buf.length, limit);
  for (let i = 0; i < n; i++) {
    const b = buf[i]!;
    if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x09) out += '\\t';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\x' + b.toString(16).padStart(2, '0');
  }
  if (buf.length > limit) out += `… (${buf.length - limit} more bytes)`;
  return out;
}
