import fs from 'node:fs'
import path from 'node:path'
import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { toHonkerError } from '../errors/sqlite-error.ts'
import type { Driver, DriverConnection } from '../driver/driver.ts'
import { classifySqliteError } from '../driver/resolve.ts'

/**
 * Connection settings of docs/compatibility.md 1.1, applied to connections Honker opens itself (never to a
 * handle the app passes in: its settings are the app's). WAL lets workers read while a producer
 * writes; `busy_timeout` absorbs other processes' short write transactions; a 10,000-page
 * autocheckpoint keeps checkpoints off the enqueue hot path.
 */
export const CONNECTION_PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
  'cache_size = -32000',
  'temp_store = MEMORY',
  'wal_autocheckpoint = 10000',
] as const

export function isMemoryPath(file: string): boolean {
  return file === '' || file === ':memory:' || file.startsWith('file::memory:') || /[?&]mode=memory(&|$)/.test(file)
}

export function assertFileDatabase(file: string, argument: string): void {
  if (isMemoryPath(file)) {
    throw new HonkerError(
      'memory_database',
      `${argument}: Honker needs a database file; ':memory:' cannot be shared with the watcher or other processes`,
    )
  }
}

/** `cacheSizeKiB` replaces CONNECTION_PRAGMAS' `cache_size` (open()'s option). */
export function openConnection(driver: Driver, file: string, cacheSizeKiB?: number): DriverConnection {
  if (typeof file !== 'string') throw new InvalidArgumentError('path', 'must be a string')
  assertFileDatabase(file, 'path')
  const resolved = path.resolve(file)
  let connection: DriverConnection
  try {
    connection = driver.open(resolved, { busyTimeoutMs: 5000 })
  } catch (error) {
    throw openError(error, resolved)
  }
  try {
    // SQLite quietly opens a file it cannot write read-only (immutable file, read-only mount,
    // no permission) and only the first write would fail: refuse it here, with the reason.
    const readOnly = readOnlyReason(resolved)
    if (readOnly !== null) throw new HonkerError('readonly_database', `${resolved}: ${readOnly}; Honker needs to write to it`)
    for (const pragma of CONNECTION_PRAGMAS) {
      execWhileBusy(connection, `PRAGMA ${cacheSizeKiB !== undefined && pragma.startsWith('cache_size') ? `cache_size = -${cacheSizeKiB}` : pragma}`)
    }
  } catch (error) {
    connection.close()
    throw openError(error, resolved)
  }
  return connection
}

/**
 * SQLite reports a database it cannot write as "unable to open database file" (it cannot create
 * `-wal`/`-shm` beside it) or as a failed write: name the cause, with the code callers branch on.
 */
function openError(error: unknown, file: string): unknown {
  const mapped = toHonkerError(error)
  if (!HonkerError.isInstance(mapped, 'sqlite_error')) return mapped
  const reason = readOnlyReason(file)
  if (reason === null) return mapped
  return new HonkerError('readonly_database', `${file}: ${reason}; Honker needs to write to it and create -wal/-shm files beside it`, {
    cause: error,
  })
}

/** Why `file` (or, if it does not exist yet, its directory) cannot be written, or null. access(2) opens no descriptor. */
function readOnlyReason(file: string): string | null {
  const denied = (target: string): string | null => {
    try {
      fs.accessSync(target, fs.constants.W_OK)
      return null
    } catch (error) {
      return (error as { code?: string }).code ?? 'EUNKNOWN'
    }
  }
  let what = 'the database file'
  let code = denied(file)
  if (code === 'ENOENT') {
    what = 'its directory'
    code = denied(path.dirname(file))
  }
  if (code === 'EROFS') return `${what} is on a read-only file system (EROFS)`
  if (code === 'EPERM' || code === 'EACCES') return `${what} is not writable (${code}${code === 'EPERM' ? ', e.g. immutable' : ''})`
  return null
}

/** How long opening waits out other connections' locks, like the busy_timeout it sets. */
const OPEN_BUSY_MS = 5000

/**
 * Switching a new file to WAL upgrades a shared lock to an exclusive one, and SQLite answers BUSY
 * at once, without its busy handler, when another connection opening the same file at the same
 * moment holds a lock (it would deadlock otherwise): several processes opening a new file together
 * hit it on any library. Wait it out here, briefly and synchronously (open() is synchronous).
 */
function execWhileBusy(connection: DriverConnection, sql: string): void {
  const deadline = performance.now() + OPEN_BUSY_MS
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      connection.exec(sql)
      return
    } catch (error) {
      if (classifySqliteError(error)?.kind !== 'busy' || performance.now() >= deadline) throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs)
    }
  }
}
