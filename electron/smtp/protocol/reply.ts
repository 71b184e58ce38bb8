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
