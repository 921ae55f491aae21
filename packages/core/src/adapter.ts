/**
 * @module @honker/core/adapter
 *
 * The low-level seam for ORM adapters (ours and third parties'): the executor contract, the
 * statement helper, and the operations that run inside a caller's transaction. Semver-stable, but
 * most apps want `@honker/core` instead.
 */
export { mapResult, isThenable, type Executor, type Mode, type Result } from './executor/executor.ts'
export { statement, type Statement } from './sql/statement.ts'
export {
  enqueueWith,
  enqueueParams,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_VISIBILITY_TIMEOUT_S,
  type EnqueueOptions,
  type EnqueueDefaults,
} from './queue/enqueue.ts'
export { INSERT_JOB } from './queue/queue.sql.ts'
export { notifyWith, notificationParams } from './notify/notify.ts'
export { publishWith, eventParams } from './stream/publish.ts'
export { saveOffsetWith } from './stream/offsets.ts'
export { unixSeconds, systemClock, type Clock } from './clock.ts'
export {
  classifySqliteError,
  driverOf,
  driverOfLibsqlClient,
  defaultDriver,
  resolveDriver,
  wrapHandle,
  type DriverOption,
  type SqliteHandle,
} from './driver/resolve.ts'
/** `@libsql/client`'s `Client` and libsql's `Database`, typed structurally (the libsql driver). */
export { isLibsqlClient, type LibsqlClient, type LibsqlDatabase, type LibsqlClass } from './driver/libsql.ts'
export type { Driver, DriverConnection, DriverName, DriverStatement } from './driver/driver.ts'
export { toHonkerError } from './errors/sqlite-error.ts'
export { DEFAULT_MAX_PAYLOAD_BYTES } from './payload.ts'
/** better-sqlite3's handle and class, typed structurally (adapters on better-sqlite3 only). */
export type { BetterSqlite3Database as SqliteConnection, BetterSqlite3Class as SqliteDriver } from './driver/better-sqlite3.ts'
export { MIGRATIONS } from './generated/migrations.ts'
/** Migrate Honker's tables through an app's own handle. */
export { migrateHandle as migrate, LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE } from './schema/migrate.ts'
export { CONNECTION_PRAGMAS, isMemoryPath } from './connection/open-connection.ts'
export { activeWatcherCount } from './watcher/watcher-registry.ts'
export { openBeside, openBesideLibsqlClient } from './open.ts'
/** Read-only report queries (`honker status`, progress lines), for a read-only connection of any driver. */
export {
  TABLE_NAMES,
  QUEUE_STATS,
  DEAD_COUNTS,
  TOPIC_STATS,
  STREAM_CONSUMERS,
  CONSUMER_LAG,
  STREAM_LAST_OFFSET,
  SCHEDULE_ROWS,
  OLDEST_PENDING,
} from './inspect/inspect.sql.ts'
/** Who holds a named lease and until when (the scheduler's leader: `SCHEDULER_LOCK_NAME`). */
export { GET_LOCK } from './lock/lock.sql.ts'
