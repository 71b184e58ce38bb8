/**
 * The subcommands that run a probe of their own (probe-commands.ts), by name only: run.ts decides from this list
 * whether to load them at all (a test checks it names exactly the commands probe-commands.ts has).
 */
export const PROBE_COMMAND_NAMES: ReadonlySet<string> = new Set(['relay-test', 'smuggling-test', 'matrix']);
