import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The renderer bundle. Built once into out/renderer/ and loaded from there by both hosts: Electron (file://, so
 * every URL is relative: base './') and the loopback web host (http://127.0.0.1:PORT/).
 */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Chromium of Electron 45 and any current desktop browser.
    target: 'es2022',
    sourcemap: true,
    // Everything is served from one origin under a CSP without 'unsafe-inline': never inline assets as data: URLs
    // (the CSP's img-src/font-src would have to allow data:).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1', strictPort: true },
});
