import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration files each open servers and databases; two at a time keeps them honest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});

export { config as default };
