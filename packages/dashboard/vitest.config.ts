import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source; child processes (other runtimes, the commits "from
  // another process") import the built dist, which the package's test script builds first.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster for the run (the Postgres views' tests).
    globalSetup: ['../testkit/src/postgres-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
