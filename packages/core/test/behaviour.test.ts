// The behaviour suite every engine and driver runs (packages/testkit/src/behaviour), here on
// SQLite through the driver under test (scripts/test-drivers.mjs runs this file on
// better-sqlite3, node:sqlite and bun:sqlite). Imported by path: @honker/testkit depends on
// @honker/core, so core cannot depend on it back without a cycle in the build graph.
import { defineBehaviourSuite } from '../../testkit/src/behaviour/index.ts'
import { open } from '../src/index.ts'
import { onCleanup, tempDbPath } from './helpers.ts'
import { TEST_DRIVER } from './sqlite.ts'

defineBehaviourSuite({
  name: `sqlite/${TEST_DRIVER}`,
  async open(options = {}) {
    const db = open(tempDbPath(), { driver: TEST_DRIVER, ...(options.clock ? { clock: options.clock } : {}) })
    onCleanup(() => db.close())
    return db
  },
  async inTransaction(db, steps, fail = false) {
    return db.transaction((tx: unknown) => {
      const results = steps.map((step) => step(tx))
      if (fail) throw new Error('rollback on purpose')
      return results
    })
  },
})
