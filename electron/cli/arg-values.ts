import { UsageError } from './usage-error.js';

/** One of the allowed values, compared without case; a usage error otherwise. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase() as T;
  if (!allowed.includes(lower)) throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${value}")`);
  return lower;
}

/**
 * A subcommand's own options taken out of argv (`--name value`, `--name=value`, and bare flags); everything else is
 * left, in order, for probe's parser. A valued option given twice keeps every value.
 */
export function takeOwnOptions(
  argv: readonly string[],
  command: string,
  valued: readonly string[],
  flags: readonly string[],
): { values: Map<string, string[]>; flags: Set<string>; rest: string[] } {
  const values = new Map<string, string[]>();
  const seen = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valued.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${command}: ${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), v]);
    } else if (flags.includes(a)) seen.add(a);
    else rest.push(a);
  }
  return { values, flags: seen, rest };
}
