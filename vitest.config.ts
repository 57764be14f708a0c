import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests open real sockets and wait on real kernels; give them room on a busy machine.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
