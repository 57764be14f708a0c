// Builds the page into web/dist, which the gateway serves from the same origin as its WebSocket.
// `npx vite web` serves it for development with /ws proxied to a gateway on port 7070.

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/ws': { target: 'ws://127.0.0.1:7070', ws: true } } },
});
