import { defineConfig } from 'vitest/config'

// HONKER_DRIVER runs the whole suite on one driver (scripts/test-drivers.mjs sets it, in that
// driver's runtime), with its own report. drivers.test.ts is the default run's: it starts every
// runtime itself.
const driver = process.env.HONKER_DRIVER
const report = driver ? `test-results/vitest-${driver.replace(':', '-')}.json` : 'test-results/vitest.json'

export default defineConfig({
  // Tests import the TypeScript source; child-process fixtures import the built dist.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: driver ? ['test/drivers.test.ts', '**/node_modules/**'] : ['**/node_modules/**'],
    // Cross-process tests spawn real children and wait on real seconds (visibility timeouts).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: report }]],
  },
})
