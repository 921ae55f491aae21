import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source; child-process fixtures import the built dist.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster for the whole run; each test file takes its own schema.
    globalSetup: ['../testkit/src/postgres-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
