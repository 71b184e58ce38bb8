import type { ReplyInfo, SessionRecord } from '../../shared/session-record.js';
import { LiveSession } from './live-session.js';
import { opened, type ProbeRequest } from './operations.js';

/**
 * The relay self-test: the classic ways to get a server to relay — a plain external recipient, the %-hack, a quoted
 * local part holding an @, a source route, a !-path, the null sender, the server's own domain as sender — each as
 * MAIL and RCPT on one connection, then RSET; never DATA, so nothing is ever relayed. A trick "was accepted" when RCPT
 * got 250/251: an open relay (or a server that decides after DATA, which is worth knowing too).
 */

export interface RelayTrick {
  id: string;
  title: string;
  mailFrom: string;
  rcptTo: string;
}

/** refused: RCPT refused; sender-refused: MAIL refused, so RCPT was not tried (no verdict on relaying). */
export type RelayVerdict = 'refused' | 'accepted' | 'deferred' | 'sender-refused' | 'not-tried';

export interface RelayOutcome {
  trick: RelayTrick;
  mail?: ReplyInfo;
  rcpt?: ReplyInfo;
  verdict: RelayVerdict;
  /** Why it was not tried (the connection ended). */
  reason?: string;
}

export interface RelayTestRequest extends ProbeRequest {
  /** The sender of the ordinary tricks. */
  from: string;
  /** An external recipient: user@external-domain. */
  to: string;
  /** The server's own domain (for the %-hack, the source route and the own-domain sender); default: its greeting name. */
  localDomain?: string;
}

export function relayTricks(from: string, to: string, local: string): RelayTrick[] {
  const at = to.lastIndexOf('@');
  const user = to.slice(0, at);
  const external = to.slice(at + 1);
  return [
    { id: 'plain', title: 'an external recipient', mailFrom: from, rcptTo: to },
    { id: 'percent-hack', title: 'the %-hack', mailFrom: from, rcptTo: `${user}%${external}@${local}` },
    { id: 'quoted', title: 'a quoted local part with @', mailFrom: from, rcptTo: `"${user}@${external}"@${local}` },
    { id: 'source-route', title: 'a source route', mailFrom: from, rcptTo: `@${local}:${user}@${external}` },
    { id: 'bang-path', title: 'a !-path', mailFrom: from, rcptTo: `${external}!${user}@${local}` },
    { id: 'null-sender', title: 'the null sender', mailFrom: '', rcptTo: to },
    { id: 'own-domain-sender', title: "the server's own domain as sender", mailFrom: `postmaster@${local}`, rcptTo: to },
  ];
}

const verdictOf = (reply: ReplyInfo | undefined): RelayVerdict =>
  !reply
    ? 'not-tried'
    : reply.code === 250 || reply.code === 251
      ? 'accepted'
      : reply.code >= 400 && reply.code < 500
        ? 'deferred'
        : 'refused';

export async function relayTest(
  request: RelayTestRequest,
): Promise<{ record: SessionRecord; outcomes: RelayOutcome[]; localDomain: string }> {
  const live = new LiveSession(request.connection, 'raw');
  const outcomes: RelayOutcome[] = [];
  const how = await opened(live, request, 'raw');
  const greetingName = /^\S+/.exec(live.record().greeting?.text ?? '')?.[0];
  const local = request.localDomain ?? greetingName ?? request.connection.host ?? 'localhost';
  const tricks = relayTricks(request.from, request.to, local);
  let ended: string | undefined = how === 'go-on' ? undefined : (live.record().result.error?.message ?? 'the session did not open');
  for (const trick of tricks) {
    if (ended) {
      outcomes.push({ trick, verdict: 'not-tried', reason: ended });
      continue;
    }
    const step = async (line: string): Promise<ReplyInfo | undefined> => {
      const record = await live.raw(line);
      if (!record.result.ok) {
        ended = record.result.error?.message ?? 'the connection ended';
        return undefined;
      }
      return record.commands?.at(-1)?.reply;
    };
    const mail = await step(`MAIL FROM:<${trick.mailFrom}>`);
    let rcpt: ReplyInfo | undefined;
    if (mail && mail.code === 250) rcpt = await step(`RCPT TO:<${trick.rcptTo}>`);
    if (!ended) await step('RSET');
    const verdict: RelayVerdict = mail && mail.code !== 250 ? 'sender-refused' : verdictOf(rcpt);
    outcomes.push({
      trick,
      ...(mail ? { mail } : {}),
      ...(rcpt ? { rcpt } : {}),
      verdict,
      ...(verdict === 'not-tried' && ended ? { reason: ended } : {}),
    });
  }
  const record = await live.close();
  return { record, outcomes, localDomain: local };
}
