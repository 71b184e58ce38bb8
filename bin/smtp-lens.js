#!/usr/bin/env node
// The built CLI lives in out/node (made by `npm run build:node`, which `npm install` runs via `prepare`).
import '../out/node/electron/cli/main.js';
