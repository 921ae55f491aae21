// The behaviour suite every engine and driver runs (packages/testkit/src/behaviour), here on
// PostgreSQL through `pg`, each check in a schema of its own on the test cluster.
import { defineBehaviourSuite } from '@honker/testkit/behaviour'
import type { PgTransaction } from '../src/index.ts'
import { freshDatabase } from './support/pg.ts'

defineBehaviourSuite({
  name: 'postgres/pg',
  open: (options = {}) => freshDatabase(options.clock ? { clock: options.clock } : {}),
  async inTransaction(db, steps, fail = false) {
    return db.transaction(async (tx: PgTransaction) => {
      const results: unknown[] = []
      for (const step of steps) results.push(await step(tx))
      if (fail) throw new Error('rollback on purpose')
      return results
    })
  },
})
