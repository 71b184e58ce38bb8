import type { ReplyInfo } from '../../../shared/session-record.js';

/** One line of a reply as received. */
export interface ReplyLine {
  /** The whole line without its terminator, decoded as UTF-8. */
  raw: string;
  /** Text after the code and the separator ("" for a bare "250" or "250 "). */
  text: string;
  /** The line ended in LF without CR. */
  bareLf: boolean;
}

/** What a reply broke of the rules without being unusable: kept as findings. */
export interface ReplyQuirks {
  /** Some line ended in a bare LF. */
  bareLf: boolean;
  /** Some line holds a CR that is not followed by LF (not a line end, RFC 5321 §2.3.8). */
  bareCr: boolean;
  /** Some line is longer than 512 octets with its CRLF (RFC 5321 §4.5.3.1.5). */
  longLine: boolean;
  /** The text starts with an enhanced status code of another class than the reply's (RFC 3463 §2). */
  enhancedMismatch: boolean;
}

/** A complete SMTP/LMTP reply. */
export interface Reply {
  code: number;
  lines: ReplyLine[];
  /** Texts of all lines joined with "\n". */
  text: string;
  /** RFC 3463 enhanced status code from the first line, when present and of the reply's class. */
  enhancedCode?: string;
  /** Whether any line ended in a bare LF (tolerated, flagged). */
  bareLf: boolean;
  /** Rules the reply broke without being unusable (bare LF among them), or undefined when it broke none. */
  quirks: ReplyQuirks | undefined;
  /** Index of its first line in the transcript's events (-1 when not recorded). */
  at: number;
}

/** The plain-object form used in session records. */
export function replyInfo(reply: Reply): ReplyInfo {
  const info: ReplyInfo = { code: reply.code, text: reply.text };
  if (reply.enhancedCode !== undefined) info.enhancedCode = reply.enhancedCode;
  return info;
}

export const isPositive = (reply: Reply): boolean => reply.code >= 200 && reply.code < 400;
export const isTransient = (reply: Reply): boolean => reply.code >= 400 && reply.code < 500;
export const isPermanent = (reply: Reply): boolean => reply.code >= 500;
