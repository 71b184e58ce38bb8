/**
 * A growable list of event indices in a Uint32Array: appending is amortised O(1) (the array doubles when full), and
 * `snapshot()` is a view of the filled part (no copy). Indices are pushed in ascending order by every user, so the
 * lists stay sorted and can be binary-searched.
 */
export class IndexList {
  private data: Uint32Array;
  private count = 0;
  private cached: Uint32Array | undefined;

  constructor(capacity = 1024) {
    this.data = new Uint32Array(Math.max(16, capacity));
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count++] = value;
    this.cached = undefined;
  }

  /** The filled part, as a view on the storage: valid until the next push. */
  snapshot(): Uint32Array {
    this.cached ??= this.data.subarray(0, this.count);
    return this.cached;
  }
}

/** Index of the first element >= value in a sorted array (its length when there is none). */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether a sorted array holds value. */
export function contains(sorted: ArrayLike<number>, value: number): boolean {
  const i = lowerBound(sorted, value);
  return i < sorted.length && sorted[i] === value;
}
