import { assertFileDatabase, openConnection } from './connection/open-connection.ts'
import type { Clock } from './clock.ts'
import type { DriverConnection } from './driver/driver.ts'
import { existsSync } from 'node:fs'
import { defaultDriver, driverOfLibsqlClient, resolveDriver, wrapHandle, type DriverOption, type SqliteHandle } from './driver/resolve.ts'
import { remoteDatabaseError, type LibsqlClient } from './driver/libsql.ts'
import { toHonkerError } from './errors/sqlite-error.ts'
import { DatabaseClosedError } from './errors/database-closed-error.ts'
import { HonkerError } from './errors/honker-error.ts'
import { InvalidArgumentError } from './errors/invalid-argument-error.ts'
import { Database } from './database.ts'
import { migrate } from './schema/migrate.ts'
import { MAX_TIMER_MS, requireInteger, requireObject } from './validate.ts'
import type { WatcherOptions } from './watcher/commit-watcher.ts'

export interface OpenOptions {
  /** The database file; created if missing. */
  path?: string
  /**
   * Use the app's own handle (better-sqlite3, `node:sqlite`'s `DatabaseSync`, `bun:sqlite`'s
   * `Database` or libsql's `Database`) instead of opening one: `db.transaction` and `enqueue` then share the app's
   * connection, and Honker's own connections use the same library. Its settings are left alone
   * (Honker opens a file itself with WAL, synchronous=NORMAL, busy_timeout=5000, ...).
   */
  database?: SqliteHandle
  /**
   * The SQLite library to open connections with: `'better-sqlite3'`, `'node:sqlite'`,
   * `'bun:sqlite'`, `'libsql'` (the native module under `@libsql/client`'s `file:` URLs), or
   * better-sqlite3's or libsql's `Database` class (adapters pass the class behind the app's own
   * handle so a process never loads two SQLite copies). Default: better-sqlite3 where it is
   * installed, else the runtime's own (bun:sqlite in Bun, node:sqlite in Node 22.5+).
   */
  driver?: DriverOption
  /** How commits from other processes are noticed. */
  watcher?: WatcherOptions
  /** Where time comes from (tests). */
  clock?: Clock
  /**
   * The largest payload, as JSON bytes, that enqueue, notify, publish, results and schedules
   * accept; larger ones fail with code 'payload_too_large' and nothing is written. Default 16 MiB.
   */
  maxPayloadBytes?: number
  /**
   * The page cache of the connection Honker opens on `path`, in KiB (`PRAGMA cache_size = -N`).
   * Default 32,000 (honker's). The queue's hot pages are few: a worker process under a memory
   * limit loses no measured speed at 2,000 (SQLite's own default) and saves about 30 MB while it
   * drains a large backlog (docs/benchmarks.md, "Memory"). Not allowed with `{ database }`, whose
   * settings are the app's.
   */
  cacheSizeKiB?: number
}

/**
 * Open (and migrate) a Honker database.
 *
 * ```ts
 * import { open } from '@honker/core'
 * const db = open('app.db')                     // or open({ database: appHandle })
 * const emails = db.queue('emails', { visibilityTimeoutS: 300, maxAttempts: 3 })
 * ```
 */
export function open(target: string | OpenOptions, options: Omit<OpenOptions, 'path' | 'database'> = {}): Database {
  requireObject(options, 'options')
  const merged: OpenOptions = typeof target === 'string' ? { ...options, path: target } : { ...target }
  requireObject(merged, 'options')
  validateOpenOptions(merged)
  if ((merged.path === undefined) === (merged.database === undefined)) {
    throw new InvalidArgumentError('options', 'give exactly one of a path or { database }')
  }
  let connection: DriverConnection
  let owns: boolean
  if (merged.database !== undefined) {
    connection = wrapHandle(merged.database)
    owns = false
    if (!connection.isOpen) throw new DatabaseClosedError(`database: the ${connection.driver.name} handle is closed`)
    if (connection.isMemory) assertFileDatabase(':memory:', 'database')
    assertFileDatabase(connection.file, 'database')
    if (connection.isReadonly) {
      throw new HonkerError('readonly_database', 'database: the handle is read-only; Honker needs to write')
    }
    if (merged.driver !== undefined && resolveDriver(merged.driver) !== connection.driver) {
      throw new InvalidArgumentError('driver', `does not match the handle's library (${connection.driver.name}); leave it out with { database }`)
    }
  } else {
    connection = openConnection(merged.driver === undefined ? defaultDriver() : resolveDriver(merged.driver), merged.path!, merged.cacheSizeKiB)
    owns = true
  }
  try {
    migrate(connection)
  } catch (error) {
    if (owns) connection.close()
    throw error
  }
  return new Database(connection, owns, merged)
}

/** Reject bad options at open, not as a TypeError (or a silent default) at first use. */
function validateOpenOptions(options: OpenOptions): void {
  if (options.maxPayloadBytes !== undefined) requireInteger(options.maxPayloadBytes, 'maxPayloadBytes', { min: 1 })
  if (options.cacheSizeKiB !== undefined) {
    requireInteger(options.cacheSizeKiB, 'cacheSizeKiB', { min: 1, max: 1_000_000_000 })
    if (options.database !== undefined) throw new InvalidArgumentError('cacheSizeKiB', 'applies to a connection Honker opens; set cache_size on your own handle instead')
  }
  if (options.clock !== undefined && (typeof options.clock !== 'object' || options.clock === null || typeof options.clock.now !== 'function')) {
    throw new InvalidArgumentError('clock', 'must be an object with a now() method returning milliseconds')
  }
  const watcher = options.watcher
  if (watcher === undefined) return
  requireObject(watcher, 'watcher')
  if (watcher.mode !== undefined && watcher.mode !== 'events' && watcher.mode !== 'poll') {
    throw new InvalidArgumentError('watcher.mode', `must be 'events' or 'poll', got ${String(watcher.mode)}`)
  }
  for (const key of ['pollIntervalMs', 'fallbackIntervalMs', 'burstMs'] as const) {
    const value = watcher[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
      throw new InvalidArgumentError(`watcher.${key}`, `must be a number of milliseconds in (0, ${MAX_TIMER_MS}], got ${String(value)}`)
    }
  }
  if (watcher.fileEvents !== undefined && typeof watcher.fileEvents !== 'boolean') {
    throw new InvalidArgumentError('watcher.fileEvents', 'must be a boolean')
  }
}

/**
 * Honker on the file behind an app's own handle, with Honker's own connections opened by the
 * handle's library: what the ORM adapters' `createHonker` does with the handle under the ORM.
 * `argument` names the handle in errors ('db', 'database').
 * @internal
 */
export function openBeside(handle: SqliteHandle, argument: string, settings: Pick<OpenOptions, 'watcher' | 'clock' | 'maxPayloadBytes'> = {}): Database {
  // Any other library with a prepare() fails here with code 'unsupported_driver'.
  const connection = wrapHandle(handle)
  if (!connection.isOpen) throw new DatabaseClosedError(`${argument}: the ${connection.driver.name} handle is closed`)
  if (connection.isMemory) assertFileDatabase(':memory:', argument)
  assertFileDatabase(connection.file, argument)
  return open(connection.file, { ...settings, driver: connection.driver })
}

/**
 * Honker on the file behind an app's `@libsql/client` `Client` on a `file:` URL, with Honker's own
 * connections opened by the libsql copy the client runs on. Asynchronous: the client says which
 * file it has open only through a query. A remote database (libsql://, http(s)://, ws(s)://) or an
 * embedded replica is refused with code 'remote_database'.
 * @internal
 */
export async function openBesideLibsqlClient(
  client: LibsqlClient,
  argument: string,
  settings: Pick<OpenOptions, 'watcher' | 'clock' | 'maxPayloadBytes'> = {},
): Promise<Database> {
  const driver = driverOfLibsqlClient(client)
  if (client.closed) throw new DatabaseClosedError(`${argument}: the @libsql/client Client is closed`)
  let rows: ArrayLike<unknown>
  try {
    rows = (await client.execute('PRAGMA database_list')).rows
  } catch (error) {
    throw toHonkerError(error)
  }
  const main = Array.from(rows as ArrayLike<{ name?: unknown; file?: unknown }>).find((row) => row.name === 'main')
  const file = typeof main?.file === 'string' ? main.file : ''
  assertFileDatabase(file, argument)
  // libSQL's replication keeps its frame bookkeeping in <file>-info beside an embedded replica.
  if (existsSync(`${file}-info`)) {
    throw remoteDatabaseError(`${argument}: ${file} is an embedded replica of a remote database (${file}-info is beside it)`)
  }
  return open(file, { ...settings, driver })
}
