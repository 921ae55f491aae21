import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // packed.test.ts builds, packs and npm-installs every package in beforeAll (its own timeout),
    // then runs tsc on the installed app once per TypeScript version.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
})
