import { SmtpError } from '../errors.js';

// CR or LF in a command argument would end the command early and let the rest run as a new
// command (command injection); NUL truncates it in C servers.
const LINE_BREAKING = /[\r\n\0]/;
// Other C0 controls and DEL: never legitimate in an address or a name, and they garble transcripts.
const CONTROL = /[\x00-\x1f\x7f]/;
const WHITESPACE = /\s/u;
const ANGLE_BRACKET = /[<>]/;

const MAX_ADDRESS_BYTES = 512;
const MAX_EHLO_NAME_LENGTH = 255;

// RFC 5321 §4.1.2: esmtp-keyword ["=" esmtp-value]; the value is printable ASCII other than "=" and
// space, widened by RFC 6531 to UTF-8 (any non-ASCII scalar value; lone surrogates cannot be sent).
const ESMTP_KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const ESMTP_VALUE = /^[\x21-\x3c\x3e-\x7e\u0080-\ud7ff\ue000-\u{10ffff}]+$/u;

/** Refuse a value that contains CR, LF or NUL before it goes into a command line. */
export function assertWireSafe(value: string, what: string | (() => string)): void {
  if (LINE_BREAKING.test(value)) {
    throw new SmtpError(
      'invalid-input',
      `${typeof what === 'function' ? what() : what} contains a CR, LF or NUL character; refusing to send it`,
    );
  }
}

/**
 * Refuse a mailbox that cannot go between the angle brackets of MAIL FROM/RCPT TO as given.
 * "" is allowed (the null reverse-path "<>"); a quoted local part may hold spaces and brackets;
 * the length limit (512) is in UTF-8 bytes and deliberately looser than RFC 5321's 256 so that
 * over-long addresses can still be tested against servers.
 */
export function assertAddress(address: string, what: string): void {
  assertWireSafe(address, what);
  if (Buffer.byteLength(address, 'utf8') > MAX_ADDRESS_BYTES) {
    throw new SmtpError('invalid-input', `${what} is longer than ${MAX_ADDRESS_BYTES} bytes`);
  }
  if (CONTROL.test(address)) {
    throw new SmtpError('invalid-input', `${what} contains a control character; refusing to send it`);
  }
  const rest = address.startsWith('"') ? afterQuotedLocalPart(address, what) : address;
  if (ANGLE_BRACKET.test(rest)) {
    throw new SmtpError('invalid-input', `${what} contains "<" or ">" outside a quoted local part`);
  }
  if (WHITESPACE.test(rest)) {
    throw new SmtpError('invalid-input', `${what} contains whitespace outside a quoted local part`);
  }
}

/** The part of an address after its quoted local part; throws if the quoted string is not closed. */
function afterQuotedLocalPart(address: string, what: string): string {
  // RFC 5321 quoted-string: DQUOTE *(qtextSMTP / "\" any-printable) DQUOTE.
  for (let i = 1; i < address.length; i++) {
    const char = address[i];
    if (char === '\\') i++;
    else if (char === '"') return address.slice(i + 1);
  }
  throw new SmtpError('invalid-input', `${what} has an unterminated quoted local part`);
}

/** Refuse an ESMTP parameter (MAIL/RCPT) that is not `keyword[=value]` as RFC 5321 and RFC 6531 define it. */
export function assertParam(param: string): void {
  const shown = JSON.stringify(param);
  assertWireSafe(param, `ESMTP parameter ${shown}`);
  const equals = param.indexOf('=');
  const keyword = equals === -1 ? param : param.slice(0, equals);
  if (!ESMTP_KEYWORD.test(keyword)) {
    throw new SmtpError(
      'invalid-input',
      `ESMTP parameter ${shown} is malformed: the keyword must be letters, digits and "-", starting with a letter or digit`,
    );
  }
  if (equals !== -1 && !ESMTP_VALUE.test(param.slice(equals + 1))) {
    throw new SmtpError(
      'invalid-input',
      `ESMTP parameter ${shown} is malformed: the value must be non-empty printable ASCII without space or "=", or UTF-8`,
    );
  }
}

/** Refuse an EHLO/HELO/LHLO name that is empty, too long, or holds spaces or control characters. */
export function assertEhloName(name: string): void {
  // The name in words only when it is refused: this runs for every session.
  const what = (): string => `EHLO name ${JSON.stringify(name)}`;
  if (name === '') throw new SmtpError('invalid-input', 'EHLO name is empty');
  assertWireSafe(name, what);
  if (name.length > MAX_EHLO_NAME_LENGTH) {
    throw new SmtpError('invalid-input', `${what()} is longer than ${MAX_EHLO_NAME_LENGTH} characters`);
  }
  if (CONTROL.test(name) || WHITESPACE.test(name)) {
    throw new SmtpError('invalid-input', `${what()} contains a space or control character`);
  }
}

/** RFC 3461 xtext (ENVID, ORCPT): bytes outside "!".."~", and "+" and "=", become "+XX" in upper-case hex. */
export function xtext(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte >= 0x21 && byte <= 0x7e && byte !== 0x2b && byte !== 0x3d) out += String.fromCharCode(byte);
    else out += '+' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}
