/**
 * @module @honker/sqlite-functions
 *
 * honker's `notify()` and `honker_*` SQL functions (docs/compatibility.md section 2: names, argument
 * order and return shapes) on the app's own connection (better-sqlite3, `node:sqlite`'s
 * `DatabaseSync` or `bun:sqlite`'s `Database`), so any SQL (raw queries, ORM `sql` templates,
 * triggers) can enqueue, notify and publish inside the app's transaction.
 *
 * The functions that touch tables live in a SQLite loadable extension built from
 * `native/honker_functions.c` at install time: a function registered from JavaScript cannot run
 * statements on its own connection. They run @honker/core's own statements (generated into the C
 * build), so SQL and the TypeScript API share one implementation. Computations stay in TypeScript
 * and are registered here first: `honker_cron_next_after` (core's `nextAfter`) and `honker_now()`
 * (the clock every function reads).
 *
 * The extension reaches SQLite only through the routine table the loading library hands it
 * (sqlite3ext.h), not by linking a copy: built once, it loads into each library's own SQLite,
 * whichever headers it was compiled against, as long as that SQLite is 3.37.0 or later.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { HonkerError, InvalidArgumentError, nextAfter, type Clock, type HonkerErrorCode } from '@honker/core'
import { migrate, systemClock, unixSeconds, wrapHandle, type DriverName, type SqliteHandle } from '@honker/core/adapter'

/**
 * The connection `registerFunctions` takes: a better-sqlite3 `Database`, a `node:sqlite`
 * `DatabaseSync` opened with `{ allowExtension: true }`, or a `bun:sqlite` `Database` (typed
 * structurally, as core types them).
 */
export type FunctionHost = SqliteHandle

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
 * The code of every "these functions cannot be added to this connection" error. Core's
 * `HonkerErrorCode` does not list it yet, hence the cast.
 */
export const EXTENSION_UNSUPPORTED = 'extension_unsupported' as HonkerErrorCode

function unsupported(message: string, cause?: unknown): HonkerError {
  return new HonkerError(EXTENSION_UNSUPPORTED, message, cause === undefined ? undefined : { cause })
}

/** A scalar function's options, in each library's own words. */
type FunctionOptions = { deterministic: boolean }
/** What registering needs of a library: define a JS function, load the extension. */
interface Host {
  define(name: string, options: FunctionOptions, fn: (...args: any[]) => bigint): void
  load(file: string): void
}

type Method = (...args: any[]) => unknown
const method = (handle: object, name: string): Method | undefined => {
  const value = (handle as Record<string, unknown>)[name]
  return typeof value === 'function' ? (value as Method).bind(handle) : undefined
}

function reason(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().replace(/\s*\n\s*/g, ' ')
}

/**
 * Each library's API for the two operations. Every JS function returns a BigInt: better-sqlite3
 * and node:sqlite store a JavaScript number as REAL, and these results are INTEGER. Integer
 * arguments arrive as BigInt too (`safeIntegers` / `useBigIntArguments`). The libraries take a
 * function's argument count from its `length`, so the functions are passed as written.
 */
function hostOf(handle: object, library: DriverName): Host {
  if (library === 'libsql') {
    // libsql's Database.function() and aggregate() only throw 'not implemented'.
    throw unsupported(
      'libsql cannot define SQL functions in JavaScript (its Database.function is not implemented), which honker_now and honker_cron_next_after need: use better-sqlite3, node:sqlite or bun:sqlite for the SQL functions',
    )
  }
  const fn = method(handle, 'function')
  const loadExtension = method(handle, 'loadExtension')
  if (library === 'better-sqlite3') {
    if (fn === undefined || loadExtension === undefined) throw unsupported('this better-sqlite3 handle has no function() or loadExtension()')
    return {
      define: (name, options, body) => fn(name, { safeIntegers: true, deterministic: options.deterministic }, body),
      load: (file) => loadExtension(file, ENTRY_POINT),
    }
  }
  if (library === 'node:sqlite') {
    const version = typeof process === 'undefined' ? 'this Node' : `Node ${process.versions.node}`
    if (fn === undefined || loadExtension === undefined) {
      throw unsupported(`node:sqlite in ${version} cannot load extensions (DatabaseSync.loadExtension arrived in Node 22.13 and 23.5): upgrade Node, or use better-sqlite3`)
    }
    // Also the check that the handle may load extensions at all: node:sqlite refuses to switch
    // it on unless the handle was opened with { allowExtension: true }.
    try {
      method(handle, 'enableLoadExtension')?.(true)
    } catch (error) {
      throw unsupported(
        `node:sqlite refuses extensions on this DatabaseSync (${reason(error)}): open it with new DatabaseSync(path, { allowExtension: true })`,
        error,
      )
    }
    return {
      define: (name, options, body) => fn(name, { useBigIntArguments: true, deterministic: options.deterministic }, body),
      load: (file) => loadExtension(file, ENTRY_POINT),
    }
  }
  if (fn === undefined) {
    throw unsupported(
      'this bun:sqlite has no Database.function (user-defined functions), which honker_now and honker_cron_next_after need: upgrade Bun',
    )
  }
  if (loadExtension === undefined) throw unsupported('this bun:sqlite has no Database.loadExtension: upgrade Bun')
  return {
    define: (name, options, body) => fn(name, { safeIntegers: true, deterministic: options.deterministic }, body),
    load: (file) => loadExtension(file, ENTRY_POINT),
  }
}

/** Why a library could not load the built extension, and what to do about it. */
function loadFailure(library: DriverName, error: unknown): HonkerError {
  let hint = ''
  if (library === 'bun:sqlite' && process.platform === 'darwin') {
    // Bun on macOS uses the system SQLite, which Apple builds without extension loading.
    hint = "; on macOS Bun uses Apple's SQLite, which cannot load extensions: call Database.setCustomSQLite() with a full SQLite build (e.g. Homebrew's libsqlite3.dylib) before opening"
  }
  return unsupported(`${library} could not load the SQL function extension (${extensionPath}): ${reason(error)}${hint}`, error)
}

/**
 * Add honker's SQL functions to the app's connection: `notify`, `honker_enqueue`,
 * `honker_claim_batch`, `honker_stream_publish`, ... (see docs/sql-functions.md). They run on that
 * connection, so they commit or roll back with the statement or transaction that calls them,
 * including from triggers. Also migrates Honker's tables unless `migrate: false`.
 *
 * Takes a better-sqlite3 `Database`, a `node:sqlite` `DatabaseSync` (Node 22.13+, opened with
 * `{ allowExtension: true }`; extension loading is switched on for it) or a `bun:sqlite`
 * `Database`. A connection whose SQLite cannot load the extension fails with code
 * `extension_unsupported` and says why, before anything is registered or migrated.
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
  if (typeof handle !== 'object' || handle === null || typeof (handle as { prepare?: unknown }).prepare !== 'function') {
    throw new InvalidArgumentError('handle', 'must be a better-sqlite3 Database, a node:sqlite DatabaseSync or a bun:sqlite Database')
  }
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object')
  const clock = options.clock ?? systemClock
  if (typeof clock.now !== 'function') throw new InvalidArgumentError('clock', 'must have a now() method')
  // Core names the library (and refuses handles of any other, with code unsupported_driver).
  const library = wrapHandle(handle).driver.name
  const host = hostOf(handle, library)
  if (!existsSync(extensionPath)) {
    throw new HonkerError(
      'sqlite_error',
      `the SQL function extension is not built (${extensionPath}): run \`npm rebuild @honker/sqlite-functions\` (needs a C compiler)`,
    )
  }

  // First: a SQLite that cannot load it fails here, before anything else changes on the handle.
  try {
    host.load(extensionPath)
  } catch (error) {
    throw loadFailure(library, error)
  }
  host.define('honker_now', { deterministic: false }, () => BigInt(unixSeconds(clock)))
  host.define('honker_cron_next_after', { deterministic: true }, (expression: unknown, from: unknown) => {
    if (typeof expression !== 'string') {
      throw new InvalidArgumentError('expr', `honker_cron_next_after: must be TEXT, got ${expression === null ? 'NULL' : typeof expression}`)
    }
    return BigInt(nextAfter(expression, wholeSeconds(from, 'honker_cron_next_after', 'from_unix')))
  })
  if (options.migrate !== false) migrate(handle)
}
