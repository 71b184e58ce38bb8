import type { TranscriptEvent } from '../../../../shared/session-record.js';
import type { IndexList } from './index-list.js';

/**
 * Case-insensitive substring search over the `text` of many events, fast enough for a million lines.
 *
 * The texts are lower-cased lazily, a chunk of CHUNK events at a time, into one string per chunk (the lines joined
 * by a NUL, which a transcript line never holds: control characters are escaped at capture) with the offset where
 * each line starts. A search is then `indexOf` on a few long strings — no allocation per line — and a match is
 * mapped to its line by walking the offsets forward. Full chunks are built once and kept; the last, partial chunk is
 * rebuilt when the buffer has grown since (at most CHUNK lines). Appending events costs nothing here until the next
 * search.
 */

export const CHUNK = 16_384;
const SEPARATOR = '\u0000';

interface Chunk {
  /** Lines in the chunk when it was built (CHUNK, except for the last). */
  count: number;
  /** The lower-cased lines joined by SEPARATOR. */
  text: string;
  /** Where each line starts in `text`, plus one entry past the end (as if a separator followed the last line). */
  starts: Uint32Array;
}

/** The query as it is searched: lower-cased, without the separator. Empty means "no search". */
export function normaliseQuery(query: string): string {
  return query.includes(SEPARATOR) ? query.split(SEPARATOR).join('').toLowerCase() : query.toLowerCase();
}

export class SearchIndex {
  private readonly chunks: (Chunk | undefined)[] = [];

  constructor(private readonly events: readonly TranscriptEvent[]) {}

  /**
   * Push the index of every event in [from, to) whose text contains `needle` (already normalised, non-empty) to
   * `out`, in ascending order.
   */
  searchRange(needle: string, from: number, to: number, out: IndexList): void {
    if (needle.length === 0 || from >= to) return;
    for (let c = Math.floor(from / CHUNK); c * CHUNK < to; c++) {
      const base = c * CHUNK;
      const chunk = this.chunk(c);
      const first = Math.max(from, base) - base;
      const last = Math.min(to, base + chunk.count) - base; // exclusive
      const { text, starts } = chunk;
      const end = starts[last] as number;
      let line = first;
      let pos = text.indexOf(needle, starts[first] as number);
      while (pos !== -1 && pos < end) {
        // Walk to the line holding pos: matches come in ascending order, so the walk is linear in all.
        while ((starts[line + 1] as number) <= pos) line++;
        out.push(base + line);
        // One hit per line is enough: go on from the next line's start.
        line++;
        if (line >= last) break;
        pos = text.indexOf(needle, starts[line] as number);
      }
    }
  }

  private chunk(c: number): Chunk {
    const base = c * CHUNK;
    const available = Math.min(CHUNK, this.events.length - base);
    const existing = this.chunks[c];
    if (existing && existing.count === available) return existing;
    const built = buildChunk(this.events, base, available);
    this.chunks[c] = built;
    return built;
  }
}

function buildChunk(events: readonly TranscriptEvent[], base: number, count: number): Chunk {
  const texts = new Array<string>(count);
  const starts = new Uint32Array(count + 1);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const text = (events[base + i] as TranscriptEvent).text;
    texts[i] = text;
    starts[i] = offset;
    offset += text.length + 1;
  }
  starts[count] = offset;
  const joined = texts.join(SEPARATOR);
  const lower = joined.toLowerCase();
  if (lower.length === joined.length) return { count, text: lower, starts };

  // Some character changed length when lower-cased (U+0130 becomes two code units): lower-case line by line so
  // that the offsets are those of the lower-cased text. Rare; slower but exact.
  offset = 0;
  for (let i = 0; i < count; i++) {
    const text = (texts[i] as string).toLowerCase();
    texts[i] = text;
    starts[i] = offset;
    offset += text.length + 1;
  }
  starts[count] = offset;
  return { count, text: texts.join(SEPARATOR), starts };
}
