#!/usr/bin/env node
// The built CLI: out/cli, bundled from out/node by `npm run build:node` (which `npm install` runs via `prepare`).
require('../out/cli/smtp-lens.cjs');
