import { defineConfig } from 'vitest/config'

// HONKER_DRIVER runs the whole suite on one driver (scripts/test-drivers.mjs sets it, in that
// driver's runtime), with its own report. drivers.test.ts is the default run's: it starts every
// runtime itself. libsql-driver.test.ts is the libsql run's. The endurance test is the default
// run's too: three minutes of child processes, which open the file with the default driver.
const driver = process.env.HONKER_DRIVER
const report = driver ? `test-results/vitest-${driver.replace(':', '-')}.json` : 'test-results/vitest.json'

export default defineConfig({
  // Tests import the TypeScript source; child-process fixtures import the built dist.
  resolve: { conditions: ['@honker/source'] },
  ssr: { resolve: { conditions: ['@honker/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // libsql-driver.test.ts is the libsql run's: it loads libsql, and a process holds one SQLite.
    exclude: [
      ...(driver ? ['test/drivers.test.ts', 'test/reliability/endurance.test.ts'] : []),
      ...(driver !== 'libsql' ? ['test/libsql-driver.test.ts'] : []),
      '**/node_modules/**',
    ],
    // Cross-process tests spawn real children and wait on real seconds (visibility timeouts).
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // libsql's gap: a closed connection lets go of its file only when its statements are
    // collected; the tests that need it released collect garbage (helpers.ts).
    poolOptions: driver === 'libsql' ? { forks: { execArgv: ['--expose-gc'] } } : {},
    reporters: ['default', ['json', { outputFile: report }]],
  },
})
