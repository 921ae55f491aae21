import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source; the worker processes of the cross-process tests import
  // the built dist, which the package's test script builds first.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster for the run (the PostgreSQL traces).
    globalSetup: ['../testkit/src/postgres-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
