/**
 * @module @honker/sqlite-functions
 *
 * honker's `notify()` and `honker_*` SQL functions (docs/compatibility.md section 2: names, argument
 * order and return shapes) on the app's own better-sqlite3 connection, so any SQL (raw queries, ORM
 * `sql` templates, triggers) can enqueue, notify and publish inside the app's transaction.
 *
 * The functions that touch tables live in a SQLite loadable extension built from
 * `native/honker_functions.c` at install time: a function registered from JavaScript cannot run
 * statements on its own connection. They run @honker/core's own statements (generated into the C
 * build), so SQL and the TypeScript API share one implementation. Computations stay in TypeScript
 * and are registered here first: `honker_cron_next_after` (core's `nextAfter`) and `honker_now()`
 * (the clock every function reads).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { HonkerError, InvalidArgumentError, nextAfter, type Clock } from '@honker/core'
import { migrate, systemClock, unixSeconds, type SqliteConnection } from '@honker/core/adapter'

/** The better-sqlite3 handle methods this package uses, typed structurally like core's `SqliteConnection`. */
export interface FunctionHost extends SqliteConnection {
  function(
    name: string,
    options: { deterministic?: boolean; safeIntegers?: boolean; varargs?: boolean; directOnly?: boolean },
    fn: (...args: any[]) => unknown,
  ): unknown
  loadExtension(path: string, entryPoint?: string): unknown
}

export interface RegisterFunctionsOptions {
  /**
   * Create or update Honker's tables first (core's migrations, what `open()` runs). Default true;
   * pass false when the schema is managed elsewhere (then `SELECT honker_bootstrap()` does it).
   */
  migrate?: boolean
  /** Where every function reads the time (`honker_now()`); tests move it. Default: the system clock. */
  clock?: Clock
}

/** The extension's entry point (SQLite's default for a file named honker_functions.*). */
export const ENTRY_POINT = 'sqlite3_honkerfunctions_init'

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Absolute path of the compiled extension, for loading it into other SQLite clients. Without
 * `registerFunctions` there, `honker_cron_next_after` is missing (the scheduler functions need it)
 * and the time comes from the C library.
 */
export const extensionPath = path.join(
  packageRoot,
  'dist',
  'native',
  `honker_functions.${process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so'}`,
)

function wholeSeconds(value: unknown, fn: string, argument: string): number {
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  throw new InvalidArgumentError(argument, `${fn}: must be INTEGER, got ${value === null ? 'NULL' : String(value)}`)
}

/**
 * Add honker's SQL functions to a better-sqlite3 connection: `notify`, `honker_enqueue`,
 * `honker_claim_batch`, `honker_stream_publish`, ... (see docs/sql-functions.md). They run on that
 * connection, so they commit or roll back with the statement or transaction that calls them,
 * including from triggers. Also migrates Honker's tables unless `migrate: false`.
 *
 * ```ts
 * import Database from 'better-sqlite3'
 * import { registerFunctions } from '@honker/sqlite-functions'
 *
 * const sqlite = new Database('app.db')
 * registerFunctions(sqlite)
 * sqlite.exec(`CREATE TRIGGER order_paid AFTER UPDATE OF status ON orders WHEN new.status = 'paid'
 *   BEGIN SELECT honker_enqueue('receipts', json_object('order', new.id), NULL, NULL, 0, 3, NULL); END`)
 * ```
 */
export function registerFunctions(handle: FunctionHost, options: RegisterFunctionsOptions = {}): void {
  if (typeof handle !== 'object' || handle === null || typeof handle.function !== 'function' || typeof handle.loadExtension !== 'function') {
    throw new InvalidArgumentError('handle', 'must be a better-sqlite3 Database')
  }
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object')
  const clock = options.clock ?? systemClock
  if (typeof clock.now !== 'function') throw new InvalidArgumentError('clock', 'must have a now() method')
  if (!existsSync(extensionPath)) {
    throw new HonkerError(
      'sqlite_error',
      `the SQL function extension is not built (${extensionPath}): run \`npm rebuild @honker/sqlite-functions\` (needs a C compiler)`,
    )
  }

  // BigInt results: better-sqlite3 returns a JavaScript number as REAL, and these are INTEGER.
  handle.function('honker_now', { safeIntegers: true }, () => BigInt(unixSeconds(clock)))
  handle.function('honker_cron_next_after', { deterministic: true, safeIntegers: true }, (expression: unknown, from: unknown) => {
    if (typeof expression !== 'string') {
      throw new InvalidArgumentError('expr', `honker_cron_next_after: must be TEXT, got ${expression === null ? 'NULL' : typeof expression}`)
    }
    return BigInt(nextAfter(expression, wholeSeconds(from, 'honker_cron_next_after', 'from_unix')))
  })
  if (options.migrate !== false) migrate(handle)
  handle.loadExtension(extensionPath, ENTRY_POINT)
}
