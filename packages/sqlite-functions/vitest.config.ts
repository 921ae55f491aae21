import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import the TypeScript source; child-process fixtures import the built dist.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Cross-process tests spawn real children and wait on real seconds (visibility timeouts).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
