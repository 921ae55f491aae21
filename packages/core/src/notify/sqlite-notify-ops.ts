import type { NotificationRow, NotifyOps } from '../engine/notify-ops.ts'
import { HonkerError } from '../errors/honker-error.ts'
import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import type { Transaction } from '../transaction.ts'
import { notifyWith } from './notify.ts'
import { MAX_NOTIFICATION_ID, READ_NOTIFICATIONS } from './notify.sql.ts'
import { pruneNotifications } from './prune.ts'

/** Notify/listen on SQLite; any commit wakes a listener (the watcher cannot tell commits apart). */
export function sqliteNotifyOps(host: Host): NotifyOps<'sync', Transaction> {
  return {
    mode: 'sync',
    insert: (channel, payload, tx) => notifyWith(host.executorFor(tx), channel, payload, host.nowS(), host.maxPayloadBytes),
    lastId(channel) {
      host.assertOpen()
      if (host.executor.connection.inTransaction) {
        // Inside an open transaction the snapshot would count that transaction's own uncommitted
        // notifications (skipped if it commits; their ids reused by later rows if it rolls back).
        throw new HonkerError('invalid_argument', 'listen: cannot start inside an open transaction on this connection')
      }
      return toNumber(host.executor.get<{ id: number | bigint }>(MAX_NOTIFICATION_ID, MAX_NOTIFICATION_ID.bind({ channel }))?.id ?? 0)
    },
    read(channel, afterId, limit) {
      host.assertOpen()
      return host.executor.all<NotificationRow>(READ_NOTIFICATIONS, READ_NOTIFICATIONS.bind({ channel, after: afterId, limit }))
    },
    prune: (limits) => pruneNotifications(host, limits),
    subscribe: () => host.subscribe(),
  }
}
