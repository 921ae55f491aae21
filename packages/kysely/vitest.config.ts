import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source; child-process fixtures import the built dist.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Type tests against Kysely's real types: `Transaction<DB>` fits, a plain `Kysely<DB>` does not.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    // Cross-process tests spawn real children; one test waits out a real busy_timeout.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // A throwaway PostgreSQL cluster for the PostgresDialect tests.
    globalSetup: ['../testkit/src/postgres-global-setup.ts'],
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
