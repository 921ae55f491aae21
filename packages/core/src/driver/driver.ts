/**
 * The driver port: the few operations Honker needs from a SQLite library, typed by core (as Kysely
 * types `SqliteDatabase` structurally) so that no file outside this folder imports a library or
 * uses its own API. One file per library implements it; `resolve.ts` maps an app's handle (or a
 * name) to the right one. Transactions are plain `BEGIN IMMEDIATE` / `SAVEPOINT` statements issued
 * by core, so no library's transaction helper is needed.
 */

export type DriverName = 'better-sqlite3' | 'node:sqlite' | 'bun:sqlite' | 'libsql'

export interface RunResult {
  changes: number
  lastInsertRowid: number
}

export type Row = Record<string, unknown>

/** A statement prepared once and run many times with positional parameters. */
export interface DriverStatement {
  run(params?: readonly unknown[]): RunResult
  get(params?: readonly unknown[]): Row | undefined
  all(params?: readonly unknown[]): Row[]
  /** Rows as arrays in SELECT order: bulk reads skip building a keyed object per row. */
  values(params?: readonly unknown[]): unknown[][]
  /** The first column of the first row, or undefined (a pragma, a count). */
  value(params?: readonly unknown[]): unknown
}

export interface DriverConnection {
  readonly driver: Driver
  /** The file as the library reports it; empty or ':memory:' for an in-memory database. */
  readonly file: string
  readonly isOpen: boolean
  readonly inTransaction: boolean
  readonly isReadonly: boolean
  readonly isMemory: boolean
  /** The library's own handle (an app's, or one Honker opened). */
  readonly handle: object
  prepare(sql: string): DriverStatement
  exec(sql: string): void
  close(): void
  /**
   * Let go of a handle Honker does not own (`open({ database })`): free what Honker prepared on it
   * and leave it open for the app, whose own close must then really close the file.
   */
  release(): void
}

export interface OpenConnectionOptions {
  readonly?: boolean
  /** Fail instead of creating the file. */
  mustExist?: boolean
  /** How long a statement waits for another connection's write lock. */
  busyTimeoutMs: number
}

/** What a SQLite error means to Honker, whatever library threw it. */
export type SqliteErrorKind = 'busy' | 'readonly' | 'closed' | 'full' | 'other'

export interface SqliteFailure {
  kind: SqliteErrorKind
  /** SQLite's result code name, such as 'SQLITE_BUSY', when the library gives one. */
  code: string | null
}

export interface Driver {
  readonly name: DriverName
  open(file: string, options: OpenConnectionOptions): DriverConnection
  /** Wrap a handle of this library that the app owns; null if the handle is not of this library. */
  wrap(handle: object): DriverConnection | null
  /** How to read an error this library threw; null when it is not a SQLite error of this library. */
  classify(error: unknown): SqliteFailure | null
}

const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR', 2: 'SQLITE_INTERNAL', 3: 'SQLITE_PERM', 4: 'SQLITE_ABORT', 5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED', 7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY', 9: 'SQLITE_INTERRUPT', 10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT', 12: 'SQLITE_NOTFOUND', 13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 15: 'SQLITE_PROTOCOL',
  16: 'SQLITE_EMPTY', 17: 'SQLITE_SCHEMA', 18: 'SQLITE_TOOBIG', 19: 'SQLITE_CONSTRAINT', 20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE', 22: 'SQLITE_NOLFS', 23: 'SQLITE_AUTH', 24: 'SQLITE_FORMAT', 25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
}

/** The extended codes whose names callers branch on (a stale snapshot cannot be cured by waiting). */
const EXTENDED_CODES: Record<number, string> = {
  261: 'SQLITE_BUSY_RECOVERY', 517: 'SQLITE_BUSY_SNAPSHOT', 773: 'SQLITE_BUSY_TIMEOUT', 262: 'SQLITE_LOCKED_SHAREDCACHE',
  264: 'SQLITE_READONLY_RECOVERY', 520: 'SQLITE_READONLY_CANTLOCK', 776: 'SQLITE_READONLY_ROLLBACK',
  1032: 'SQLITE_READONLY_DBMOVED', 1288: 'SQLITE_READONLY_CANTINIT', 1544: 'SQLITE_READONLY_DIRECTORY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE', 1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
}

/** The name of an (extended) SQLite result code number, as better-sqlite3 and bun:sqlite spell it. */
export function sqliteCodeName(code: number): string {
  return EXTENDED_CODES[code] ?? PRIMARY_CODES[code & 0xff] ?? `SQLITE_${code}`
}

/** Classify by SQLite's code name: the part every library agrees on. */
export function failureOf(code: string): SqliteFailure {
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { kind: 'busy', code }
  if (code.startsWith('SQLITE_READONLY')) return { kind: 'readonly', code }
  if (code.startsWith('SQLITE_FULL')) return { kind: 'full', code }
  return { kind: 'other', code }
}
