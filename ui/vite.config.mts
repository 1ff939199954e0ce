// The console's build: ui/ → dist/ui, served by the server at /ui (src/console/console.ts).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    // No inline data: URLs for assets, so the page's CSP can stay at 'self'.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    // A busy machine makes plugins look slow; the timing report is noise in `npm run build`.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
