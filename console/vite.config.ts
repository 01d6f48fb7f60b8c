import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The operator console: built into dist/console with content-hashed asset
 * names (served with a year-long immutable cache; index.html is never cached).
 * Everything is in the bundle: no CDN, no web font, no inline script (the CSP
 * forbids them).
 */
export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // The polyfill is an inline-free module, but no browser we support needs it.
    modulePreload: { polyfill: false },
    // Small icons stay files: a data: URL would need a looser CSP.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
