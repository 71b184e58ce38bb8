import { SmtpError } from './errors.js';
import { composeMessage, type ComposeInput, type Envelope } from './message/compose.js';
import { rawMessage } from './message/envelope.js';
import { MAX_LINE_OCTETS, measureBuffers, measureSource, type MessageSource } from './message/message-source.js';
import { assertEnvelope } from './transaction.js';
import { signSource, type DkimOptions } from './message/dkim.js';

/** A message ready to send: composed (or read) and its envelope checked, before any connection. */
export interface PreparedMessage {
  source: MessageSource;
  envelope: Envelope;
  messageId?: string;
  needsSmtpUtf8: boolean;
}

export interface MessageRequest {
  /** A message built from fields, or an existing RFC 5322 message. */
  message: { compose: ComposeInput } | { raw: Buffer | { path: string } };
  /** Overrides of the envelope derived from the headers. */
  envelope?: { from?: string; to?: string[] };
  /** Send an existing message with lines over 998 octets as it is (RFC 5321 §4.5.3.1.6 forbids them). */
  allowLongLines?: boolean;
  /** Sign the message (composed or read) with DKIM before it is sent. */
  dkim?: DkimOptions;
}

/** Compose or read the message and check its envelope; throws invalid-input for bad input. */
export async function prepareMessage(request: MessageRequest): Promise<PreparedMessage> {
  let prepared: PreparedMessage;
  if ('compose' in request.message) {
    const composed = await composeMessage(request.message.compose);
    prepared = {
      source: composed.source,
      envelope: composed.envelope,
      messageId: composed.messageId,
      needsSmtpUtf8: composed.needsSmtpUtf8,
    };
  } else {
    const raw = await rawMessage(request.message.raw);
    // A message file is measured here (exact size, 8-bit or not), before any connection, as a composed
    // one is: SIZE= and BODY=8BITMIME are decided before MAIL FROM, and a big file read mid-session
    // would leave the server idle.
    let source = raw.source;
    const measured = source.parts ? measureBuffers(source.parts) : await measureSource(source);
    if (source.size === undefined || source.eightBit === undefined) {
      const open = source.open.bind(source);
      source = { size: measured.size, eightBit: measured.eightBit, open };
    }
    if (measured.longestLine > MAX_LINE_OCTETS && !request.allowLongLines) {
      throw new SmtpError(
        'invalid-input',
        `the message has a line of ${measured.longestLine} octets; SMTP allows ${MAX_LINE_OCTETS} (RFC 5321 §4.5.3.1.6), and servers may cut or refuse it (allow long lines to send it as it is)`,
      );
    }
    prepared = { source, envelope: raw.envelope, needsSmtpUtf8: raw.needsSmtpUtf8 };
  }
  if (request.dkim) {
    prepared.source = await signSource(prepared.source, request.dkim);
    // A composed message's size is known; a file's was measured above: both carry over with the header added.
  }
  prepared.envelope = {
    from: request.envelope?.from ?? prepared.envelope.from,
    to: request.envelope?.to?.length ? request.envelope.to : prepared.envelope.to,
  };
  assertEnvelope(prepared.envelope);
  return prepared;
}
