/**
 * Read what a person typed (or a reply line) into a reply code and an enhanced status code:
 * "550", "5.7.1", "550 5.7.1", "550-5.7.1 Relaying denied". Pure.
 */

export interface CodeQuery {
  code?: number;
  enhancedCode?: string;
}

const LEADING = /^\s*(\d{3})(?:[ -]|$)\s*(?:([245]\.\d{1,3}\.\d{1,3})(?:\s|$))?/;
const ENHANCED_ONLY = /^\s*([245]\.\d{1,3}\.\d{1,3})\s*$/;

/** The codes in a query, or null when it holds neither a reply code nor an enhanced status code. */
export function parseCodeQuery(input: string): CodeQuery | null {
  const enhancedOnly = ENHANCED_ONLY.exec(input);
  if (enhancedOnly) return { enhancedCode: enhancedOnly[1]! };
  const match = LEADING.exec(input);
  if (!match) return null;
  const query: CodeQuery = { code: Number(match[1]) };
  if (match[2]) query.enhancedCode = match[2];
  return query;
}
