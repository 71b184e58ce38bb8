/**
 * Server text made inert for display: whatever a server sends must not drive the terminal or the page that shows
 * it. C0 controls but TAB, DEL and ESC sequences become visible escapes (`\x1b`, `\r`, `\n`); C1 controls, bidi
 * overrides and isolates, and the Unicode line separators become `<U+XXXX>`. Everything else is kept as it is.
 * Pure; used by the transcript at capture, the CLI, every export and the app. The JSON record keeps reply texts exact.
 */

// C0 but TAB, DEL, C1, LRM/RLM/ALM, the bidi embeddings/overrides and isolates, and U+2028/U+2029.
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same set without the global flag: a cheap test so clean text (nearly all of it) is returned as is.
const HAS_UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function escapeOne(c: string): string {
  if (c === '\r') return '\\r';
  if (c === '\n') return '\\n';
  const code = c.charCodeAt(0);
  if (code < 0x80) return '\\x' + code.toString(16).padStart(2, '0');
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** `text` with every control, bidi and line-separator character replaced by a visible escape. */
export function inertText(text: string): string {
  if (!HAS_UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, escapeOne);
}

// The unsafe set without LF: what `inertLines` changes.
const HAS_UNSAFE_BUT_LF = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Like `inertText`, but a line break between lines of a multi-line text stays a line break (for block display). */
export function inertLines(text: string): string {
  if (!HAS_UNSAFE_BUT_LF.test(text)) return text;
  return text
    .split('\n')
    .map((line) => inertText(line))
    .join('\n');
}

/**
 * Make every string in a value inert, in place (the value is the caller's own, e.g. just parsed): texts keep their
 * line breaks (`inertLines`), transcript events' texts are single lines (`inertText`). Returns the value.
 */
export function inertInPlace<T>(value: T): T {
  walk(value, 0);
  return value;
}

function walk(value: unknown, depth: number): void {
  if (depth > 32 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'string') value[i] = inertLines(item);
      else walk(item, depth + 1);
    }
    return;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const item = object[key];
    if (typeof item === 'string') object[key] = key === 'text' && 'dir' in object ? inertText(item) : inertLines(item);
    else walk(item, depth + 1);
  }
}
