import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { expectRuntimeSuitePassed, runRuntimeSuite } from '@honker/testkit'
import { describe, expect, it } from 'vitest'
// @ts-expect-error a plain .mjs script without declarations
import { ensureRuntimes } from '../../../scripts/runtimes.mjs'

// @honker/kysely on the runtimes' own SQLite, each in its runtime: a node:sqlite DatabaseSync under
// Node 24 and a bun:sqlite Database under Bun (both installed from npm by scripts/runtimes.mjs),
// given to SqliteDialect through sqliteDatabaseFor. The suite imports the built packages.
const runtimes = ensureRuntimes() as { node24: string; bun: string }
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

const SUITES = [
  { driver: 'node:sqlite', runtime: runtimes.node24, label: 'Node 24' },
  { driver: 'bun:sqlite', runtime: runtimes.bun, label: 'Bun' },
] as const

describe('migrations, transactional writes and createHonker on each driver, in its runtime', () => {
  for (const { driver, runtime, label } of SUITES) {
    it(`SqliteDialect on ${driver} (${label})`, async () => {
      expect(existsSync(path.join(root, 'dist', 'index.js')), 'build @honker/kysely first').toBe(true)
      const suite = await runRuntimeSuite(runtime, path.join('test', 'runtimes', 'kysely-suite.mjs'), [driver], { cwd: root })
      expectRuntimeSuitePassed(suite, { checks: 6, driver })
    }, 90_000)
  }
})
