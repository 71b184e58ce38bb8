import { formatMatrix } from '../../shared/matrix.js';
import { inertText } from '../../shared/inert-text.js';
import { runMatrix } from '../smtp/matrix.js';
import { relayTest } from '../smtp/relay-test.js';
import { smugglingTest } from '../smtp/smuggling-test.js';
import { SmtpError } from '../smtp/errors.js';
import type { ProbeRequest } from '../smtp/operations.js';
import { Transcript } from '../smtp/transcript.js';
import { UsageError } from './args.js';
import { EXIT } from './exit-codes.js';
import { matrixExitCode, splitMatrixArgs } from './matrix.js';
import { parseWithDefaults } from './parse-with-defaults.js';
import { formatRelay, splitRelayArgs } from './relay.js';
import { formatSmuggling, splitSmugglingArgs } from './smuggling.js';

/**
 * The commands that take probe's connection (and AUTH) options plus a few of their own: relay-test, smuggling-test,
 * matrix. Each splits its own options out, hands the rest to the ordinary parser (so --profile, SMTP_LENS_* and
 * config.json apply as everywhere), runs, prints, and says its exit status.
 */

type Out = { write: (t: string) => void };
type ProbeCommand = (argv: string[], stdout: Out, stderr: Out) => Promise<number>;

function probeCommand<S extends { rest: string[] }>(
  split: (argv: string[]) => S,
  body: (own: S, request: ProbeRequest, stdout: Out) => Promise<number>,
  moreArgs: (own: S) => string[] = () => [],
): ProbeCommand {
  return async (argv, stdout, stderr) => {
    let own: S;
    let request: ProbeRequest;
    try {
      own = split(argv);
      const parsed = await parseWithDefaults(['probe', ...own.rest, ...moreArgs(own)], process.env);
      if (parsed.command !== 'probe') return EXIT.usage;
      request = parsed.request;
    } catch (error) {
      if (!(error instanceof UsageError) && !(error instanceof SmtpError)) throw error;
      stderr.write(`smtp-lens: ${inertText(error.message)}\n`);
      return EXIT.usage;
    }
    return body(own, request, stdout);
  };
}

/** Exit 16 when a trick was accepted, 15 when none was but some could not be judged, 0 when every one was refused. */
const relay = probeCommand(splitRelayArgs, async (own, request, stdout) => {
  const { record, outcomes, localDomain } = await relayTest({
    ...request,
    connection: { ...request.connection, transcript: new Transcript() },
    from: own.from,
    to: own.to,
    ...(own.localDomain !== undefined ? { localDomain: own.localDomain } : {}),
  });
  // The transcript stays in: it is the evidence of what was sent (and that DATA never was).
  if (own.json) stdout.write(JSON.stringify({ localDomain, outcomes, record }, null, 2) + '\n');
  else stdout.write(formatRelay(outcomes, localDomain));
  if (outcomes.some((o) => o.verdict === 'accepted')) return EXIT.relayAccepted;
  if (outcomes.some((o) => o.verdict !== 'refused')) return EXIT.deliveryUnknown;
  return EXIT.ok;
});

/** Exit 17 when the server ended the data at a non-standard sequence, 15 when none did but some could not be judged. */
const smuggling = probeCommand(splitSmugglingArgs, async (own, request, stdout) => {
  const outcomes = await smugglingTest({
    ...request,
    from: own.from,
    to: own.to,
    ...(own.variants ? { variants: own.variants } : {}),
  });
  if (own.json) stdout.write(JSON.stringify({ outcomes }, null, 2) + '\n');
  else stdout.write(formatSmuggling(outcomes));
  if (outcomes.some((o) => o.verdict === 'smuggled')) return EXIT.smuggled;
  if (outcomes.some((o) => o.verdict === 'unknown' || o.verdict === 'not-tried')) return EXIT.deliveryUnknown;
  return EXIT.ok;
});

/** Each stage waits 10 s unless --timeout says otherwise (plaintext to an implicit-TLS port only ends at the greeting's). */
const matrix = probeCommand(
  splitMatrixArgs,
  async (own, request, stdout) => {
    const result = await runMatrix({ connection: request.connection, ports: own.ports, modes: own.modes, parallel: own.parallel });
    stdout.write(own.json ? JSON.stringify(result, null, 2) + '\n' : formatMatrix(result));
    return matrixExitCode(result);
  },
  (own) => (own.rest.some((a) => a === '--timeout' || a.startsWith('--timeout=')) ? [] : ['--timeout', '10']),
);

// A Map, so that no argv[0] ("constructor", "__proto__") finds anything but these.
export const PROBE_COMMANDS: ReadonlyMap<string, ProbeCommand> = new Map([
  ['relay-test', relay],
  ['smuggling-test', smuggling],
  ['matrix', matrix],
]);
