import type { DeadLetterOps } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { deadRowToInfo, type PgJobRow } from './job-row.ts'

/** Dead letters on PostgreSQL, one statement each; a revive wakes the queue's workers. */
export function pgDeadLetterOps(engine: PgEngine): DeadLetterOps<'async'> {
  const { jobs } = engine
  const idsOf = (rows: { id: string }[]) => rows.map((row) => Number(row.id))
  return {
    mode: 'async',
    async list(queue, afterId, limit) {
      return (await engine.query<PgJobRow>(jobs.listDead, [queue, afterId, limit])).rows.map(deadRowToInfo)
    },
    async count(queue) {
      return Number((await engine.query<{ count: string }>(jobs.countDead, [queue])).rows[0]!.count)
    },
    async revive(queue, ids) {
      if (ids?.length === 0) return []
      return idsOf((await engine.query<{ id: string }>(jobs.reviveDead, [queue, ids, wakeKey('q', queue)])).rows)
    },
    async delete(queue, ids) {
      if (ids?.length === 0) return []
      return idsOf((await engine.query<{ id: string }>(jobs.deleteDead, [queue, ids])).rows)
    },
  }
}
