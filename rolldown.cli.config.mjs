/**
 * The CLI as a few bundled files (out/cli/), made from the compiled engine (out/node/) by `npm run build:node`: a
 * fresh `smtp-lens` run reads and links a handful of modules instead of seventy-odd, and what a command does not use
 * stays in chunks loaded on demand (serve, DNS, exports, composition). Packages from node_modules are not bundled:
 * they are loaded, lazily, from where npm put them. The Electron app and the web host use out/node/ directly.
 */
export default {
  input: 'out/node/electron/cli/main.js',
  platform: 'node',
  logLevel: 'warn',
  external: [/^node:/, /^[a-z@][^:]*$/],
  output: {
    dir: 'out/cli',
    // CommonJS: requiring a builtin does not build its ESM namespace (which loads every lazy part of node:crypto,
    // node:util, node:buffer), and needs no ESM loader: ~7 ms of a fresh probe and 5 ms of --help here.
    format: 'cjs',
    entryFileNames: 'smtp-lens.cjs',
    chunkFileNames: '[name]-[hash].cjs',
    cleanDir: true,
    // No comments: V8 reads every byte of a file it compiles, and the documentation lives in the sources (out/node).
    comments: false,
  },
};
