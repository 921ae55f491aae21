import type { DeadLetterOps } from '../engine/dead-letter-ops.ts'
import { COUNT_DEAD, DELETE_ALL_DEAD, DELETE_DEAD, LIST_DEAD, REVIVE_ALL_DEAD, REVIVE_DEAD } from './dead-letter.sql.ts'
import { deadRowToInfo, toNumber, type DeadJobRow } from './job-row.ts'
import type { JobStore } from './job-store.ts'

type IdRow = { id: number | bigint }
const idsOf = (rows: IdRow[]) => rows.map((row) => toNumber(row.id))

/** Dead letters on SQLite. */
export function sqliteDeadLetterOps(store: JobStore): DeadLetterOps<'sync'> {
  return {
    mode: 'sync',
    list(queue, afterId, limit) {
      store.assertOpen()
      return store.executor.all<DeadJobRow>(LIST_DEAD, LIST_DEAD.bind({ queue, after_id: afterId, limit })).map(deadRowToInfo)
    },
    count(queue) {
      store.assertOpen()
      return toNumber(store.executor.get<{ count: number | bigint }>(COUNT_DEAD, COUNT_DEAD.bind({ queue }))?.count ?? 0)
    },
    // Insert into `_honker_live` first (it reads the dead rows), then delete exactly those ids.
    revive(queue, ids) {
      if (ids?.length === 0) return []
      return store.write(() => {
        const now = store.nowS()
        const revived = idsOf(
          ids === null
            ? store.executor.all<IdRow>(REVIVE_ALL_DEAD, REVIVE_ALL_DEAD.bind({ queue, now }))
            : store.executor.all<IdRow>(REVIVE_DEAD, REVIVE_DEAD.bind({ queue, now, ids: JSON.stringify(ids) })),
        )
        if (revived.length > 0) store.executor.run(DELETE_DEAD, DELETE_DEAD.bind({ queue, ids: JSON.stringify(revived) }))
        return revived
      })
    },
    delete(queue, ids) {
      if (ids?.length === 0) return []
      store.assertOpen()
      const rows = ids === null ? store.executor.all<IdRow>(DELETE_ALL_DEAD, DELETE_ALL_DEAD.bind({ queue })) : store.executor.all<IdRow>(DELETE_DEAD, DELETE_DEAD.bind({ queue, ids: JSON.stringify(ids) }))
      return idsOf(rows)
    },
  }
}
