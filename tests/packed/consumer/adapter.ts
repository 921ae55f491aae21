// @honker/core/adapter as a third-party ORM adapter uses it: an executor over a better-sqlite3 handle.
import Sqlite from 'better-sqlite3'
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MIGRATIONS,
  enqueueParams,
  enqueueWith,
  eventParams,
  mapResult,
  migrate,
  notificationParams,
  notifyWith,
  publishWith,
  saveOffsetWith,
  statement,
  systemClock,
  toHonkerError,
  unixSeconds,
  type Executor,
  type Result,
  type SqliteConnection,
  type Statement,
} from '@honker/core/adapter'

const sqlite = new Sqlite('app.db')
const connection: SqliteConnection = sqlite
migrate(connection)

const executor: Executor<'sync'> = {
  mode: 'sync',
  all<Row>(stmt: Statement, params: readonly unknown[]): Row[] {
    return connection.prepare(stmt.text).all(...params) as Row[]
  },
  run(stmt: Statement, params: readonly unknown[]) {
    try {
      return { changes: connection.prepare(stmt.text).run(...params).changes }
    } catch (error) {
      throw toHonkerError(error)
    }
  },
}

const now = unixSeconds(systemClock)
const defaults = { maxAttempts: DEFAULT_MAX_ATTEMPTS, maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES }
const jobId: number = enqueueWith(executor, 'emails', { to: 'a@example.com' }, { priority: 1 }, defaults, now)
const noteId: Result<'sync', number> = notifyWith(executor, 'orders', { id: 7 }, now)
const offset: number = publishWith(executor, 'orders', { id: 7 }, { key: 'order-7' }, now)
const moved: boolean = saveOffsetWith(executor, 'billing', 'orders', offset)
const asText: string = mapResult<'sync', number, string>(jobId, (value) => String(value))

// The validation step on its own, for executors that bind parameters themselves.
const params: Record<string, unknown> = {
  ...enqueueParams('emails', {}, undefined, defaults, now),
  ...notificationParams('orders', {}, now),
  ...eventParams('orders', {}, null, now),
}
const ping: Statement = statement('ping', 'SELECT 1')
console.log(noteId, moved, asText, params, ping.text, MIGRATIONS.map((migration) => migration.version))
