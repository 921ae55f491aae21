import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source for setup; the command under test is always the built
  // dist/bin.js, run in child processes (the package's test script builds it first).
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Every test spawns real processes and waits on real commits and signals.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
