/**
 * Read what a person typed (or a reply line) into a reply code, an enhanced status code and the text after them:
 * "550", "5.7.1", "550 5.7.1", "5.7.1 Relay access denied", "550-5.7.1 Relaying denied". Pure.
 */

export interface CodeQuery {
  code?: number;
  enhancedCode?: string;
  /** What followed the codes (the server's words), when there was anything. */
  text?: string;
}

const LEADING = /^\s*(\d{3})(?:[ -]|$)\s*(?:([245]\.\d{1,3}\.\d{1,3})(?:\s|$))?/;
const ENHANCED_FIRST = /^\s*([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/;

/** The codes in a query, or null when it holds neither a reply code nor an enhanced status code. */
export function parseCodeQuery(input: string): CodeQuery | null {
  const enhancedFirst = ENHANCED_FIRST.exec(input);
  const match = enhancedFirst ? undefined : LEADING.exec(input);
  if (!enhancedFirst && !match) return null;
  const query: CodeQuery = enhancedFirst ? { enhancedCode: enhancedFirst[1]! } : { code: Number(match![1]) };
  if (match?.[2]) query.enhancedCode = match[2];
  const text = input.slice((enhancedFirst ?? match)![0].length).trim();
  if (text) query.text = text;
  return query;
}
