import type { Database } from '@honker/core'
import { DEAD_COUNTS, QUEUE_STATS } from '@honker/core/adapter'
import type { QueueDepth } from '@honker/core/engine'

/** One queue's depth, as the gauges (and Prometheus text) report it: core's `QueueDepth`. */
export type QueueStat = QueueDepth

const num = (value: unknown): number => (typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : Number(value ?? 0))

/**
 * Every queue's depth in a SQLite database (two grouped reads on Honker's own connection), for
 * `instrumentHonker({ queueStats: sqliteQueueStats(db) })`. On PostgreSQL, pass a function of
 * your own (or `honker metrics`'s Prometheus text).
 */
export function sqliteQueueStats(db: Database): () => QueueStat[] {
  return () => {
    const now = db.nowS()
    const byName = new Map<string, QueueStat>()
    const entry = (queue: string): QueueStat => {
      let stat = byName.get(queue)
      if (stat === undefined) byName.set(queue, (stat = { queue, pending: 0, delayed: 0, processing: 0, dead: 0, oldestPendingS: null }))
      return stat
    }
    for (const row of db.executor.all<Record<string, unknown>>(QUEUE_STATS, QUEUE_STATS.bind({ now }))) {
      const stat = entry(String(row.queue))
      stat.pending = num(row.pending)
      stat.delayed = num(row.delayed)
      stat.processing = num(row.processing)
      stat.oldestPendingS = row.oldest_run_at == null ? null : Math.max(0, now - num(row.oldest_run_at))
    }
    for (const row of db.executor.all<Record<string, unknown>>(DEAD_COUNTS, [])) entry(String(row.queue)).dead = num(row.dead)
    return [...byName.values()].sort((a, b) => a.queue.localeCompare(b.queue))
  }
}
