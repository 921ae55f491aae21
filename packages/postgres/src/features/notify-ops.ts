import type { NotificationRow, NotifyOps } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { insertNotification } from '../writes.ts'
import { runnerOf, type PgTransaction } from './transaction.ts'

/**
 * Notify/listen on PostgreSQL for core's `Listener` and `NotificationPruner`: the table holds the
 * notifications, NOTIFY only carries the wake key, so payloads have no size limit.
 */
export function pgNotifyOps(engine: PgEngine, owner: object): NotifyOps<'async', PgTransaction> {
  const { messages } = engine
  return {
    mode: 'async',
    async insert(channel, payload, tx) {
      const runner = runnerOf(tx, owner) ?? engine.pool
      engine.assertOpen()
      return insertNotification(engine, runner, channel, payload)
    },
    async lastId(channel) {
      return Number((await engine.query<{ id: string }>(messages.lastNotificationId, [channel])).rows[0]!.id)
    },
    async read(channel, afterId, limit) {
      return (await engine.query<NotificationRow>(messages.readNotifications, [channel, afterId, limit])).rows
    },
    async prune(limits) {
      return (await engine.query(messages.pruneNotifications, [limits.olderThanS ?? null, limits.maxKeep ?? null])).rowCount ?? 0
    },
    subscribe: (channel) => engine.wake.subscribe([wakeKey('n', channel)]),
  }
}
