import { SmtpError } from '../errors.js';
import { assertWireSafe, xtext } from './wire-safety.js';

/**
 * Postfix's XCLIENT and XFORWARD (https://www.postfix.org/XCLIENT_README.html, XFORWARD_README.html): a front end
 * tells the server the original client's attributes. Values are xtext-encoded, but for the two special values
 * [UNAVAILABLE] and [TEMPUNAVAIL]. Pure.
 */

export interface Attribute {
  /** Upper-cased attribute name: NAME, ADDR, PORT, PROTO, HELO, LOGIN, DESTADDR, … */
  name: string;
  value: string;
}

const SPECIAL_VALUES = new Set(['[UNAVAILABLE]', '[TEMPUNAVAIL]']);

/** "NAME=VALUE" as typed; throws invalid-input. */
export function parseAttribute(text: string, what: string): Attribute {
  const eq = text.indexOf('=');
  const name = eq < 0 ? '' : text.slice(0, eq).trim().toUpperCase();
  if (!/^[A-Z][A-Z0-9_-]*$/.test(name)) throw new SmtpError('invalid-input', `${what} must look like NAME=VALUE (got "${text}")`);
  const value = text.slice(eq + 1);
  assertWireSafe(value, `${what} ${name}`);
  return { name, value };
}

/** One command line: "XCLIENT NAME=a ADDR=192.0.2.1". */
export function attributeCommand(verb: 'XCLIENT' | 'XFORWARD', attributes: readonly Attribute[]): string {
  const parts = attributes.map((a) => `${a.name}=${SPECIAL_VALUES.has(a.value.toUpperCase()) ? a.value.toUpperCase() : xtext(a.value)}`);
  return `${verb} ${parts.join(' ')}`;
}

/**
 * Refuse attributes the server did not list in its XCLIENT/XFORWARD capability (it would refuse the command), and a
 * command longer than a command line may be (RFC 5321 §4.5.3.1.4: 512 octets with CRLF). Throws not-supported or
 * invalid-input.
 */
export function assertAttributesOffered(
  verb: 'XCLIENT' | 'XFORWARD',
  attributes: readonly Attribute[],
  offered: readonly string[] | undefined,
): string {
  if (offered === undefined) {
    throw new SmtpError('not-supported', `the server does not advertise ${verb}`, { command: verb });
  }
  const names = new Set(offered.map((n) => n.toUpperCase()));
  const missing = attributes.filter((a) => !names.has(a.name)).map((a) => a.name);
  if (missing.length > 0) {
    throw new SmtpError(
      'not-supported',
      `the server's ${verb} does not take ${missing.join(', ')} (it lists: ${[...names].join(' ') || 'none'})`,
      {
        command: verb,
      },
    );
  }
  const line = attributeCommand(verb, attributes);
  if (line.length > 510)
    throw new SmtpError(
      'invalid-input',
      `the ${verb} command would be ${line.length} octets; a command line may have 510 (RFC 5321 §4.5.3.1.4)`,
    );
  return line;
}
