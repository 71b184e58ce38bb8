import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The preload bundle. A sandboxed preload cannot load ES modules or arbitrary files: it must be ONE CommonJS
 * script whose only `require` is `electron`. So electron/preload/preload.ts and what it imports from shared/ (the
 * channel lists) are bundled by Vite's library mode (Rolldown) into out/preload/preload.cjs.
 */
export default defineConfig({
  // No index.html, no public dir, no .env files: only the entry below.
  publicDir: false,
  envDir: false,
  build: {
    outDir: 'out/preload',
    emptyOutDir: true,
    copyPublicDir: false,
    // Electron 45's Chromium.
    target: 'es2022',
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    lib: {
      entry: fileURLToPath(new URL('./electron/preload/preload.ts', import.meta.url)),
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
      output: {
        // One file: a sandboxed preload cannot require a second chunk.
        codeSplitting: false,
      },
    },
  },
});
