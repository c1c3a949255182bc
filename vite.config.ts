/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { serviceWorker } from './scripts/vite-sw.ts';

export default defineConfig({
  // Relative URLs: the built site runs from any folder of any static host, or from a USB stick.
  base: './',
  plugins: [react(), serviceWorker()],
  worker: { format: 'es' },
  server: { port: 5173 },
  preview: { port: 4173, strictPort: true },
  build: { target: 'es2022', sourcemap: true },
  test: {
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/helpers/fc_seed.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
