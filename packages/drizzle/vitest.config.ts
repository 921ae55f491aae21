import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source; child-process fixtures import the built dist.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Type tests (test/*.test-d.ts) run through tsc against Drizzle's real types.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    // Cross-process tests spawn real children; the migration test runs drizzle-kit.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // A throwaway PostgreSQL cluster for the node-postgres tests.
    globalSetup: ['../testkit/src/postgres-global-setup.ts'],
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
