#!/usr/bin/env node
import { EXIT } from './exit-codes.js';
import { run } from './run.js';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`smtp-lens: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = EXIT.internal;
  },
);
