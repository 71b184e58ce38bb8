/**
 * Which replies can answer which command (RFC 5321 §4.3.2 and the extensions'). A refusal (4xx, 5xx) can answer any
 * command; a positive reply only the command it belongs to. A reply outside its command's set is a protocol
 * violation: nothing read from it is trusted.
 */

export type ReplyKind =
  | 'greeting'
  | 'hello'
  | 'starttls'
  | 'auth'
  | 'mail'
  | 'rcpt'
  | 'data'
  | 'data-end'
  | 'prdr-recipient'
  | 'bdat'
  | 'rset'
  | 'noop'
  | 'vrfy'
  | 'expn'
  | 'help'
  | 'quit'
  | 'xclient'
  | 'xforward'
  | 'any';

/** Positive replies each kind accepts: exact codes, or a class ('2xx'). Refusals are always accepted. */
const POSITIVE: Record<ReplyKind, readonly (number | '2xx')[]> = {
  greeting: [220],
  hello: [250],
  starttls: [220],
  // 334 asks for the next step of the exchange, 235 ends it.
  auth: [235, 334],
  mail: [250],
  // 251: "user not local; will forward".
  rcpt: [250, 251],
  data: [354],
  // The reply to the end of the data (the final dot or BDAT LAST); 353 only when PRDR was asked (data-end + PRDR).
  'data-end': [250],
  'prdr-recipient': ['2xx'],
  bdat: [250],
  rset: [250],
  noop: [250],
  vrfy: [250, 251, 252],
  expn: [250, 252],
  help: [211, 214],
  quit: [221],
  // Postfix answers a successful XCLIENT with a new greeting; XFORWARD with 250.
  xclient: [220],
  xforward: [250],
  any: ['2xx', 354, 334],
};

/** Whether a reply code can answer a command of this kind (`prdr`: the end of the data asked for PRDR, so 353 fits). */
export function replyFits(kind: ReplyKind, code: number, prdr = false): boolean {
  // QUIT has one answer (RFC 5321 §4.3.2: 221); anything else is a reply meant for something else.
  if (kind === 'quit') return code === 221;
  if (code >= 400 && code < 600) return true;
  if (code >= 300 && code < 400 && kind === 'any') return true;
  if (prdr && kind === 'data-end' && code === 353) return true;
  for (const allowed of POSITIVE[kind]) {
    if (allowed === code) return true;
    if (allowed === '2xx' && code >= 200 && code < 300) return true;
  }
  return false;
}

/** The kind of reply a raw command line expects, by its verb (unknown verbs: any reply). */
export function kindOfCommand(line: string): ReplyKind {
  const verb = /^\s*([A-Za-z]+)/.exec(line)?.[1]?.toUpperCase();
  switch (verb) {
    case 'EHLO':
    case 'HELO':
    case 'LHLO':
      return 'hello';
    case 'STARTTLS':
      return 'starttls';
    case 'XCLIENT':
      return 'xclient';
    case 'XFORWARD':
      return 'xforward';
    case 'AUTH':
      return 'auth';
    case 'MAIL':
      return 'mail';
    case 'RCPT':
      return 'rcpt';
    case 'DATA':
      return 'data';
    case 'RSET':
      return 'rset';
    case 'NOOP':
      return 'noop';
    case 'VRFY':
      return 'vrfy';
    case 'EXPN':
      return 'expn';
    case 'HELP':
      return 'help';
    case 'QUIT':
      return 'quit';
    default:
      return 'any';
  }
}

/** What the positive replies of a kind are, in words, for an error message. */
export function expectedReplies(kind: ReplyKind, prdr = false): string {
  const codes = POSITIVE[kind].map(String);
  if (prdr && kind === 'data-end') codes.push('353');
  return kind === 'quit' ? codes.join(' or ') : `${codes.join(' or ')}, or a refusal (4xx/5xx)`;
}
