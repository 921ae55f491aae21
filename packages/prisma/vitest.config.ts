import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source; child-process fixtures import the built dist.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // test/types.test-d.ts: type conformance against the generated client, reported as tests.
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    // Cross-process tests spawn real children and wait on real seconds.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // A throwaway PostgreSQL cluster for the @prisma/adapter-pg tests.
    globalSetup: ['../testkit/src/postgres-global-setup.ts'],
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
