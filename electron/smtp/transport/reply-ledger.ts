import type { Reply } from '../protocol/reply.js';
import { replyFits, type ReplyKind } from '../protocol/reply-rules.js';

/**
 * One reply the server owes: what it answers and how long to wait for it. Every command that is sent registers
 * its expectations first, so each reply that arrives is matched to the command it answers — by position, at once,
 * as it arrives — or it is a protocol violation.
 */
export interface Expectation {
  /** What the reply answers, as shown in errors and findings: "EHLO", "RCPT TO:", "final dot", "BDAT LAST". */
  readonly command: string;
  /** Which replies can answer it. */
  readonly kind: ReplyKind;
  /** The stage whose timeout bounds the wait, named in a timeout error. */
  readonly stage: string;
  readonly timeoutMs: number;
  /** The end of the data asked for PRDR: a 353 fits, and then the per-recipient replies and a final one are owed. */
  readonly prdr?: boolean;
  /** LMTP's replies after the data: the first of `count` (so a missing or extra one is named as such). */
  readonly lmtp?: { index: number; count: number };
  /**
   * More replies owed once this one has arrived, decided by it and by the replies of its group before it (PRDR's
   * 353 owes one per accepted recipient and a final reply; LMTP's BDAT LAST in a pipelined group owes one per
   * recipient its RCPTs accepted). Called synchronously as the reply arrives.
   */
  readonly then?: (reply: Reply, earlier: readonly Reply[]) => Expectation[] | undefined;
  /** STARTTLS: after a 220 the next bytes must be the TLS handshake; anything already here is injection. */
  readonly upgrade?: boolean;
}

/** A reply matched to what it answers. */
export interface Answer {
  readonly reply: Reply;
  readonly expected: Expectation;
}

/** What arriving did with a reply. */
export type Arrival =
  /** Matched and queued for the reader. */
  | { type: 'answered'; answer: Answer }
  /** Matched to a STARTTLS that it accepts: nothing more may be read in plaintext. */
  | { type: 'upgrade'; answer: Answer }
  /** Nothing was owed: the reply answers no command. */
  | { type: 'unsolicited'; after: Expectation | undefined }
  /** Owed, but this reply cannot answer that command. */
  | { type: 'misfit'; expected: Expectation };

interface Owed {
  expectation: Expectation;
  /** The replies its group received before it, shared by the whole group. */
  group: Reply[];
}

/** Bytes of a reply, roughly: its lines and their terminators. */
function sizeOf(reply: Reply): number {
  let bytes = 0;
  for (const line of reply.lines) bytes += line.raw.length + 2;
  return bytes;
}

/**
 * The engine's one account of which reply answers which command. Pure (no I/O): the connection tells it what was
 * sent and what arrived; readers take answers in order. Replies are held only while a reader has not taken them,
 * and only as many as were owed, so a server cannot make it hold more than the commands it was sent.
 */
export class ReplyLedger {
  private owed: Owed[] = [];
  private owedHead = 0;
  private answers: Answer[] = [];
  private answersHead = 0;
  private answerBytes = 0;
  /** The last expectation a reply was matched to (names what an unsolicited reply came after). */
  private last: Expectation | undefined;

  /** Replies owed by the server and not yet arrived. */
  get owing(): number {
    return this.owed.length - this.owedHead;
  }

  /** Answers arrived and not yet taken. */
  get waiting(): number {
    return this.answers.length - this.answersHead;
  }

  /** Bytes of the answers arrived and not yet taken. */
  get waitingBytes(): number {
    return this.answerBytes;
  }

  /** The expectation the next reply will be matched to. */
  get next(): Expectation | undefined {
    return this.owed[this.owedHead]?.expectation;
  }

  /** The expectation the last matched reply answered. */
  get lastAnswered(): Expectation | undefined {
    return this.last;
  }

  /** Register what a group of commands written together expects, in order. */
  owe(expectations: readonly Expectation[]): void {
    if (expectations.length === 0) return;
    const group: Reply[] = [];
    for (const expectation of expectations) this.owed.push({ expectation, group });
  }

  /** A complete reply arrived: match it to the oldest expectation. */
  arrive(reply: Reply): Arrival {
    const owed = this.owed[this.owedHead];
    if (!owed) return { type: 'unsolicited', after: this.last };
    const { expectation } = owed;
    if (!replyFits(expectation.kind, reply.code, expectation.prdr)) return { type: 'misfit', expected: expectation };
    this.owed[this.owedHead] = undefined as unknown as Owed;
    this.owedHead++;
    if (this.owedHead > 64 && this.owedHead * 2 > this.owed.length) {
      this.owed = this.owed.slice(this.owedHead);
      this.owedHead = 0;
    }
    this.last = expectation;
    const more = expectation.then?.(reply, owed.group);
    owed.group.push(reply);
    if (more?.length) {
      // Owed right after this one, before anything sent later: they answer the same command.
      const group = owed.group;
      this.owed.splice(this.owedHead, 0, ...more.map((e) => ({ expectation: e, group })));
    }
    const answer: Answer = { reply, expected: expectation };
    this.answers.push(answer);
    this.answerBytes += sizeOf(reply);
    return expectation.upgrade && reply.code === 220 ? { type: 'upgrade', answer } : { type: 'answered', answer };
  }

  /** The oldest answer not yet taken. */
  take(): Answer | undefined {
    const answer = this.answers[this.answersHead];
    if (!answer) return undefined;
    this.answers[this.answersHead] = undefined as unknown as Answer;
    this.answersHead++;
    this.answerBytes -= sizeOf(answer.reply);
    if (this.answersHead === this.answers.length) {
      this.answers = [];
      this.answersHead = 0;
    } else if (this.answersHead > 64 && this.answersHead * 2 > this.answers.length) {
      this.answers = this.answers.slice(this.answersHead);
      this.answersHead = 0;
    }
    return answer;
  }
}
