import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web UI (src/web) is built into dist/web, which the server's web-ui plugin serves.
 * The page's CSP allows scripts from 'self' only, so Vite must not inject inline scripts.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev:web` next to `wave serve` on the default port. changeOrigin sends the
    // server its own Host (without auth it answers no other); its POSTs come from this page's
    // origin, so start the server with WAVE_CORS_ORIGINS=http://localhost:5173 (README).
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: true },
      '/metrics': { target: 'http://127.0.0.1:8080', changeOrigin: true },
    },
  },
});
