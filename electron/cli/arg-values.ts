import { UsageError } from './usage-error.js';

/** One of the allowed values, compared without case; a usage error otherwise. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase() as T;
  if (!allowed.includes(lower)) throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${value}")`);
  return lower;
}
