/**
 * Reply texts for display. The engine keeps a reply's text as the server sent it, so a first line of
 * "5.7.8 Authentication credentials invalid" still starts with the enhanced code that is also in `enhancedCode`;
 * these helpers show it once. Pure.
 */

export interface ReplyLike {
  code?: number;
  enhancedCode?: string;
  text?: string;
}

/** The text without the enhanced code its first line starts with (when it is that code). */
export function stripEnhancedCode(text: string, enhancedCode: string | undefined): string {
  if (!enhancedCode) return text;
  if (text === enhancedCode) return '';
  if (text.startsWith(`${enhancedCode} `)) return text.slice(enhancedCode.length + 1);
  if (text.startsWith(`${enhancedCode}\n`)) return text.slice(enhancedCode.length);
  return text;
}

/** One line: "535 5.7.8 Authentication credentials invalid" (the lines of a multi-line text joined by spaces). */
export function formatReplyOneLine(reply: ReplyLike): string {
  const text = stripEnhancedCode(reply.text ?? '', reply.enhancedCode).replace(/\n/g, ' ');
  return [reply.code, reply.enhancedCode, text].filter((p) => p !== undefined && p !== '').join(' ');
}

/**
 * A reply as it looked on the wire: "550-" before all lines but the last, "550 " before the last, the enhanced
 * code once, on the first line. Empty when there is neither a code nor a text.
 */
export function formatReplyWire(reply: ReplyLike): string {
  const body = stripEnhancedCode(reply.text ?? '', reply.enhancedCode);
  if (reply.code === undefined) return [reply.enhancedCode, body].filter((p) => p !== undefined && p !== '').join(' ');
  const lines = body.split('\n');
  return lines
    .map((line, i) => {
      const separator = i === lines.length - 1 ? ' ' : '-';
      const enhanced = i === 0 && reply.enhancedCode ? `${reply.enhancedCode} ` : '';
      return `${reply.code}${separator}${enhanced}${line}`.trimEnd();
    })
    .join('\n');
}
