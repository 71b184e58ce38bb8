/**
 * Address lists as a person types them in the composer: parsed and checked as they type, in plain words.
 *
 * Pure functions, no DOM. Main checks everything again (and the engine refuses CR, LF and NUL before anything goes
 * on the wire); this only catches what a person mistyped, and says what is wrong where it is wrong. Errors block
 * sending; warnings do not (a test tool must be able to send an over-long address to see what the server says).
 */

export type Severity = 'error' | 'warning';

export interface AddressProblem {
  severity: Severity;
  message: string;
}

/** One entry of an address list, as typed and as understood. */
export interface ParsedAddress {
  /** The entry as typed, trimmed: what goes into the header field (display name kept). */
  raw: string;
  /** The display name, when the entry has one ("Ann Example" in `Ann Example <ann@example.net>`). */
  name?: string;
  /** The addr-spec alone (what goes in MAIL FROM / RCPT TO). */
  address: string;
  /** Needs SMTPUTF8 (non-ASCII in the address itself). */
  utf8: boolean;
  problems: AddressProblem[];
}

export interface ParsedAddressList {
  entries: ParsedAddress[];
  /** Whether any entry has an error. */
  hasErrors: boolean;
}

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const LINE_BREAK = /[\r\n]/;
// RFC 5322 atext, plus any non-ASCII character (RFC 6531 allows UTF-8 in the local part).
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10ffff}]+$/u;
const NON_ASCII = /[^\x00-\x7f]/;
// A host-name label: letters, digits and hyphens (non-ASCII for internationalised names), no hyphen at either end.
const LABEL = /^(?!-)[A-Za-z0-9\-\u0080-\u{10ffff}]+(?<!-)$/u;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_BODY = /^[0-9A-Fa-f:.]+$/;

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

const error = (message: string): AddressProblem => ({ severity: 'error', message });
const warning = (message: string): AddressProblem => ({ severity: 'warning', message });

/** What is wrong with a character a person cannot see, named. */
function describeControl(ch: string): string {
  if (ch === '\r' || ch === '\n') return 'a line break';
  if (ch === '\t') return 'a tab';
  return `a control character (U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * Split a list typed into a field: entries are separated by commas or line breaks. A comma inside a quoted display
 * name (`"Doe, Jane" <jane@example.net>`) or inside angle brackets does not separate. Empty entries are dropped.
 */
export function splitAddressList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    let current = '';
    let inQuote = false;
    let angle = 0;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (inQuote) {
        current += ch;
        if (ch === '\\' && i + 1 < line.length) current += line[++i];
        else if (ch === '"') inQuote = false;
        continue;
      }
      if (ch === '"') inQuote = true;
      else if (ch === '<') angle++;
      else if (ch === '>') angle = Math.max(0, angle - 1);
      else if (ch === ',' && angle === 0) {
        out.push(current);
        current = '';
        continue;
      }
      current += ch;
    }
    out.push(current);
  }
  return out.map((entry) => entry.trim()).filter((entry) => entry !== '');
}

/** Problems of an addr-spec (`local@domain`, no display name, no angle brackets). Empty when it is plausible. */
export function checkAddrSpec(address: string): AddressProblem[] {
  if (address === '') return [error('The address is empty.')];
  const control = CONTROL.exec(address);
  if (control) return [error(`The address contains ${describeControl(control[0])}.`)];

  // The local part may be a quoted string holding "@" and spaces: find its end first.
  let local: string;
  let rest: string;
  if (address.startsWith('"')) {
    let end = -1;
    for (let i = 1; i < address.length; i++) {
      if (address[i] === '\\') i++;
      else if (address[i] === '"') {
        end = i;
        break;
      }
    }
    if (end < 0) return [error('The quoted part before the @ is not closed with a double quote.')];
    local = address.slice(0, end + 1);
    rest = address.slice(end + 1);
    if (!rest.startsWith('@')) return [error('A quoted local part must be followed directly by @ and a domain.')];
    rest = rest.slice(1);
  } else {
    const at = address.lastIndexOf('@');
    if (at < 0) return [error('An e-mail address needs an @ (like name@example.net).')];
    local = address.slice(0, at);
    rest = address.slice(at + 1);
    if (local === '') return [error('Nothing before the @.')];
    if (/\s/.test(local)) return [error('Spaces are not allowed in an address (to add a name, write Name <address>).')];
    if (local.includes('@')) return [error('An address has only one @ (quote the part before it if it really has one).')];
    if (local.startsWith('.') || local.endsWith('.')) return [error('The part before the @ cannot start or end with a dot.')];
    if (local.includes('..')) return [error('Two dots in a row are not allowed before the @ (quote that part if it really has them).')];
    for (const part of local.split('.')) {
      if (!ATEXT.test(part)) {
        const bad = [...part].find((c) => !ATEXT.test(c)) ?? part;
        return [error(`The character ${JSON.stringify(bad)} is not allowed before the @ unless that part is quoted.`)];
      }
    }
  }

  const domain = rest;
  if (domain === '') return [error('Nothing after the @: add a domain (like example.net).')];
  if (/\s/.test(domain)) return [error('Spaces are not allowed in the domain.')];
  const problems: AddressProblem[] = [];
  if (domain.startsWith('[')) {
    if (!domain.endsWith(']')) return [error('An address literal must end with "]" (like [192.0.2.1]).')];
    const inner = domain.slice(1, -1);
    if (/^IPv6:/i.test(inner)) {
      const v6 = inner.slice(5);
      if (!IPV6_BODY.test(v6) || !v6.includes(':')) return [error(`${JSON.stringify(v6)} is not an IPv6 address.`)];
    } else if (!IPV4.test(inner)) {
      return [error('An address literal is an IPv4 address in brackets ([192.0.2.1]) or [IPv6:…].')];
    }
  } else {
    if (domain.startsWith('.') || domain.endsWith('.')) return [error('The domain cannot start or end with a dot.')];
    const labels = domain.split('.');
    for (const label of labels) {
      if (label === '') return [error('Two dots in a row in the domain.')];
      if (!LABEL.test(label)) {
        const bad = [...label].find((c) => !/[A-Za-z0-9\-\u0080-\u{10ffff}]/u.test(c));
        return [
          error(
            bad
              ? `The character ${JSON.stringify(bad)} is not allowed in a domain.`
              : `The domain part ${JSON.stringify(label)} cannot start or end with a hyphen.`,
          ),
        ];
      }
      if (utf8Length(label) > 63)
        problems.push(warning(`The domain part "${label.slice(0, 20)}…" is longer than 63 characters; servers will likely refuse it.`));
    }
    if (utf8Length(domain) > 255) problems.push(warning('The domain is longer than 255 bytes; servers will likely refuse it.'));
  }
  if (utf8Length(local) > 64) problems.push(warning('The part before the @ is longer than 64 bytes (RFC 5321); servers may refuse it.'));
  if (utf8Length(address) > 254) problems.push(warning('The address is longer than 254 bytes (RFC 5321); servers may refuse it.'));
  return problems;
}

/**
 * Parse one entry of a header address list: `addr`, `<addr>`, `Name <addr>` or `"Quoted, Name" <addr>`.
 * Groups and comments are not supported by the composer and are said to be so.
 */
export function parseMailbox(entry: string): ParsedAddress {
  const raw = entry.trim();
  const result = (address: string, problems: AddressProblem[], name?: string): ParsedAddress => ({
    raw,
    ...(name !== undefined && name !== '' ? { name } : {}),
    address,
    utf8: NON_ASCII.test(address),
    problems,
  });
  const lineBreak = LINE_BREAK.exec(raw);
  if (lineBreak) return result(raw, [error('Line breaks are not allowed in an address.')]);

  const open = findUnquoted(raw, '<');
  if (open < 0) {
    if (findUnquoted(raw, '>') >= 0) return result(raw, [error('A ">" without its "<".')]);
    if (!raw.startsWith('"') && /^[^@]*:/.test(raw)) {
      return result(raw, [error('Group syntax (name: …;) is not supported here: list the addresses instead.')]);
    }
    if (!raw.startsWith('"') && /[()]/.test(raw)) {
      return result(raw, [error('Comments in parentheses are not supported: write Name <address> instead.')]);
    }
    return result(raw, checkAddrSpec(raw));
  }
  const close = raw.indexOf('>', open);
  if (close < 0) return result(raw, [error('The "<" is not closed with ">".')]);
  const after = raw.slice(close + 1).trim();
  const address = raw.slice(open + 1, close).trim();
  if (after !== '') return result(address, [error(`Unexpected text after ">": ${JSON.stringify(after)}.`)]);
  const phrase = raw.slice(0, open).trim();
  const problems: AddressProblem[] = [];
  let name = phrase;
  if (phrase.startsWith('"')) {
    if (phrase.length < 2 || !phrase.endsWith('"') || phrase.endsWith('\\"')) {
      problems.push(error('The quoted name is not closed with a double quote.'));
    } else {
      name = phrase.slice(1, -1).replace(/\\(.)/g, '$1');
    }
  } else if (/[()<>[\]:;@\\,."]/.test(phrase)) {
    const bad = /[()<>[\]:;@\\,."]/.exec(phrase)![0];
    problems.push(error(`A name with ${JSON.stringify(bad)} in it must be in double quotes: "${phrase.replace(/"/g, '')}" <${address}>.`));
  }
  return result(address, [...problems, ...checkAddrSpec(address)], name);
}

/** Index of `ch` outside a quoted string, or -1. */
function findUnquoted(text: string, ch: string): number {
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === ch) return i;
  }
  return -1;
}

/** Parse and check a whole list typed into a To/Cc/Bcc/Reply-To field. */
export function parseAddressList(text: string): ParsedAddressList {
  const entries = splitAddressList(text).map(parseMailbox);
  // `Doe, Jane <jane@…>` splits at the comma: say why "Doe" is not an address.
  entries.forEach((entry, i) => {
    const next = entries[i + 1];
    if (next?.name !== undefined && !entry.raw.includes('@') && !entry.raw.includes('<') && entry.problems[0]?.severity === 'error') {
      entry.problems[0] = error(
        `${JSON.stringify(entry.raw)} is not an address: a name with a comma must be in double quotes ("${entry.raw}, ${next.name}" <${next.address}>).`,
      );
    }
  });
  return { entries, hasErrors: entries.some((e) => e.problems.some((p) => p.severity === 'error')) };
}

/**
 * Parse an envelope address (MAIL FROM or RCPT TO): a bare address or one in angle brackets; no display name.
 * `<>` is the null sender, allowed only where `allowNull` (MAIL FROM).
 */
export function parseEnvelopeAddress(entry: string, allowNull: boolean): ParsedAddress {
  const raw = entry.trim();
  const control = CONTROL.exec(raw);
  const base = (address: string, problems: AddressProblem[]): ParsedAddress => ({
    raw,
    address,
    utf8: NON_ASCII.test(address),
    problems,
  });
  if (control) return base(raw, [error(`The address contains ${describeControl(control[0])}.`)]);
  let address = raw;
  if (raw.startsWith('<') || raw.endsWith('>')) {
    if (!(raw.startsWith('<') && raw.endsWith('>')))
      return base(raw, [error('Angle brackets must enclose the whole address: <name@example.net>.')]);
    address = raw.slice(1, -1).trim();
  }
  if (address === '') {
    return allowNull ? base('', []) : base('', [error('The null address <> can only be a sender (MAIL FROM), not a recipient.')]);
  }
  if (findUnquoted(address, '<') >= 0 || findUnquoted(address, '>') >= 0) {
    return base(address, [error('The envelope takes the address alone, without a name: name@example.net.')]);
  }
  return base(address, checkAddrSpec(address));
}

/** Parse a list of envelope recipients (RCPT TO), separated by commas or line breaks. */
export function parseEnvelopeList(text: string): ParsedAddressList {
  const entries = splitAddressList(text).map((e) => parseEnvelopeAddress(e, false));
  return { entries, hasErrors: entries.some((e) => e.problems.some((p) => p.severity === 'error')) };
}

/** The first error of an entry, or its first warning, for a one-line message. */
export function firstProblem(entry: ParsedAddress): AddressProblem | undefined {
  return entry.problems.find((p) => p.severity === 'error') ?? entry.problems[0];
}
