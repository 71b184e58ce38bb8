import { writeFileSync } from 'node:fs';
import type { SessionRecord } from '../../shared/session-record.js';
import { formatEventLine, formatTextTranscript } from '../../shared/transcript-format.js';
import { SmtpError } from '../smtp/errors.js';
import { probe, raw, send, verify } from '../smtp/operations.js';
import { Transcript } from '../smtp/transcript.js';
import { parseCommandLine, USAGE, UsageError, type Parsed } from './args.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { formatSummary } from './summary.js';

/** Write the session log: the JSON record for .json, a timestamped transcript for .txt. */
export function exportRecord(record: SessionRecord, path: string): void {
  if (path.endsWith('.json')) writeFileSync(path, JSON.stringify(record, null, 2) + '\n');
  else if (path.endsWith('.txt') || path.endsWith('.log')) writeFileSync(path, formatTextTranscript(record));
  else throw new UsageError(`--export: the file name must end in .json or .txt (got ${path})`);
}

/** Run the command line; resolves to the exit status. */
export async function run(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SmtpError) {
      io.stderr.write(`smtp-lens: ${error.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw error;
  }
  if (parsed.command === 'help') {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (parsed.output.exportPath && !/\.(json|txt|log)$/.test(parsed.output.exportPath)) {
    io.stderr.write(`smtp-lens: --export: the file name must end in .json or .txt\n`);
    return EXIT.usage;
  }

  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const live = !parsed.output.json && !parsed.output.quiet;
  const transcript = new Transcript(live ? { onEvent: (e) => io.stdout.write(formatEventLine(e) + '\n') } : {});
  const connection = { ...parsed.request.connection, transcript, signal: controller.signal };

  let record: SessionRecord;
  try {
    switch (parsed.command) {
      case 'probe':
        record = await probe({ ...parsed.request, connection });
        break;
      case 'send':
        record = await send({ ...parsed.request, connection });
        break;
      case 'verify':
        record = await verify({ ...parsed.request, connection });
        break;
      case 'raw':
        record = await raw({ ...parsed.request, connection });
        break;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (parsed.output.json) io.stdout.write(JSON.stringify(record, null, 2) + '\n');
  else io.stdout.write(formatSummary(record));
  if (parsed.output.exportPath) {
    try {
      exportRecord(record, parsed.output.exportPath);
    } catch (error) {
      io.stderr.write(`smtp-lens: cannot write ${parsed.output.exportPath}: ${(error as Error).message}\n`);
      return EXIT.internal;
    }
  }
  if (record.result.error && !parsed.output.json) io.stderr.write(`smtp-lens: ${record.result.error.message}\n`);
  return exitCodeFor(record.result.error?.code);
}
