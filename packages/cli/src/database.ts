import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { HonkerError, open, type Database, type DriverName } from '@honker/core'
import { resolveDriver, TABLE_NAMES, type Driver, type DriverConnection, type SqliteDriver } from '@honker/core/adapter'
import { CliError } from './errors.ts'

/** The SQLite libraries `--driver` (and `HONKER_DRIVER`) can name: core's drivers. */
export const DRIVER_NAMES: readonly DriverName[] = ['better-sqlite3', 'node:sqlite', 'bun:sqlite']

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined'

/** better-sqlite3 classes loaded by this process, by resolved file (one driver object each). */
const loaded = new Map<string, Driver>()

type AppBetterSqlite3 =
  | { found: Driver }
  | { missing: string }
  | { failed: CliError }

/**
 * The app's own better-sqlite3 (a peer dependency of this package, as of core): resolved from each
 * of `from` in turn (the worker passes its handler module's directory), then the current
 * directory, then this package. One process must hold one SQLite library: a handler module that
 * loads the app's copy while the command loads another puts two in the process, and two copies
 * lose each other's POSIX locks on the same file. This is the only place the CLI loads
 * better-sqlite3; core gets the class and opens every connection with it.
 */
function appBetterSqlite3(from: readonly string[]): AppBetterSqlite3 {
  const dirs = [...new Set([...from, process.cwd()].map((dir) => path.resolve(dir)))]
  // A file name inside each directory (it need not exist), then this module: @honker/cli's own.
  const places = [...dirs.map((dir) => path.join(dir, 'noop.js')), import.meta.url]
  for (const place of places) {
    const require = createRequire(place)
    let resolved: string
    try {
      resolved = require.resolve('better-sqlite3')
    } catch {
      continue
    }
    let driver = loaded.get(resolved)
    if (driver === undefined) {
      try {
        const Database = require(resolved) as SqliteDriver
        // The addon loads at the first open, not at require: a copy built for another Node
        // version (NODE_MODULE_VERSION) fails only here.
        new Database(':memory:').close()
        driver = resolveDriver(Database)
      } catch (error) {
        return { failed: new CliError('driver_load_failed', `cannot load better-sqlite3 from ${resolved}: ${oneLine(error)}`, { cause: error }) }
      }
      loaded.set(resolved, driver)
    }
    return { found: driver }
  }
  return { missing: dirs.join(', ') }
}

/**
 * A library core loads by name: a runtime's built-in SQLite (node:sqlite, bun:sqlite); core says why
 * when this runtime has none. (Core's libsql driver is not among DRIVER_NAMES: the CLI does not offer it yet.)
 */
function builtIn(name: Exclude<DriverName, 'better-sqlite3'>): Driver {
  return resolveDriver(name)
}

/** A library's message on one line: the addon loader's reason is on its second line. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.trim().replace(/\s*\n\s*/g, ' ')
}

export interface DriverChoice {
  /** `--driver`, or `HONKER_DRIVER` (commander reads the variable into the option); '' is unset. */
  name?: DriverName | '' | undefined
  /** Directories to resolve the app's better-sqlite3 from first (the handler module's). */
  from?: readonly string[]
}

/**
 * The SQLite library every connection of the command uses, through core's driver port:
 *
 * - `--driver <name>` / `HONKER_DRIVER`: that library, or a coded error saying why it cannot load
 *   here (`better-sqlite3` still means the app's copy, resolved as below).
 * - In Bun: bun:sqlite (better-sqlite3 is a Node addon Bun does not load).
 * - In Node: the app's better-sqlite3, resolved from the handler module's directory, the current
 *   directory, then this package; where it is not installed, or cannot load in this Node (built
 *   for another Node version), node:sqlite (Node 22.5+). The handler module would get the same
 *   copy, so it cannot have loaded a second SQLite library either.
 */
export function cliDriver(choice: DriverChoice = {}): Driver {
  const from = choice.from ?? []
  const name = choice.name === '' ? undefined : choice.name
  if (name === 'better-sqlite3') {
    const app = appBetterSqlite3(from)
    if ('found' in app) return app.found
    if ('failed' in app) throw app.failed
    throw new CliError(
      'driver_not_found',
      `better-sqlite3 is not installed where the app or @honker/cli can load it (searched from ${app.missing}): run \`npm install better-sqlite3\` in your app, or pick another --driver`,
    )
  }
  if (name !== undefined) return builtIn(name)
  if (isBun) return builtIn('bun:sqlite')
  const app = appBetterSqlite3(from)
  if ('found' in app) return app.found
  try {
    return builtIn('node:sqlite')
  } catch (error) {
    if ('failed' in app) throw app.failed
    throw new CliError(
      'driver_not_found',
      `better-sqlite3 is not installed where the app or @honker/cli can load it (searched from ${app.missing}), ` +
        `and Node ${process.versions.node} has no built-in SQLite: run \`npm install better-sqlite3\` in your app (a peer dependency of @honker/cli), or use Node 22.5+ (node:sqlite) or Bun`,
      { cause: error },
    )
  }
}

/**
 * Every command opens the file through here. The file must exist: a mistyped `--db` would
 * otherwise create an empty database and, say, a worker that waits on it forever. Commands that
 * take `--create` say so in the message.
 */
export function requireDatabaseFile(file: string, options: { createFlag?: boolean } = {}): string {
  const resolved = path.resolve(file)
  if (!existsSync(resolved)) {
    const hint = options.createFlag === true ? 'check --db, or pass --create to create it' : 'check --db'
    throw new CliError('database_not_found', `no database file at ${resolved} (${hint})`)
  }
  if (!statSync(resolved).isFile()) throw new CliError('database_not_found', `${resolved} is not a file`)
  return resolved
}

/** The one message for a SQLite file that holds none of honker's tables. */
export function notHonkerError(file: string, options: { createFlag?: boolean } = {}): CliError {
  const hint = options.createFlag === true ? ' Pass --create to add them' : ''
  return new CliError('not_a_honker_database', `${file} has no honker tables; is --db the right file?${hint}`)
}

export interface OpenHonkerOptions {
  /**
   * The command has `--create`: say so in errors, and with `create` make the file and honker's
   * tables when they are missing.
   */
  createFlag?: boolean
  /** `--create` was given. */
  create?: boolean
  /** The driver to use (default: `cliDriver()`). */
  driver?: Driver
}

/**
 * Open the database with core (migrating honker's tables if needed). A file without honker's
 * tables is refused unless `create`: core's open would add them to whatever file `--db` names.
 */
export function openHonker(file: string, options: OpenHonkerOptions = {}): Database {
  const driver = options.driver ?? cliDriver()
  const create = options.create === true
  const resolved = create ? path.resolve(file) : requireDatabaseFile(file, options)
  if (!create) {
    const reader = openReadonly(resolved, driver)
    try {
      if (!hasHonkerTables(tableNames(reader, resolved))) throw notHonkerError(resolved, options)
    } finally {
      reader.close()
    }
  }
  try {
    return open(resolved, { driver })
  } catch (error) {
    // SQLite's own words ("file is not a database") do not say which file.
    if (HonkerError.isInstance(error, 'sqlite_error')) {
      throw new CliError('sqlite_error', `cannot open ${resolved}: ${error.message}`, { cause: error })
    }
    throw error
  }
}

/**
 * A read-only connection for reports (status, the worker's oldest-pending figure): it never
 * migrates or locks the file for writing, so `status` works beside busy writers and leaves a
 * file honker created exactly as it was.
 */
export function openReadonly(file: string, driver: Driver): DriverConnection {
  const resolved = requireDatabaseFile(file)
  try {
    return driver.open(resolved, { readonly: true, mustExist: true, busyTimeoutMs: 5000 })
  } catch (error) {
    throw new CliError('sqlite_error', `cannot open ${resolved}: ${oneLine(error)}`, { cause: error })
  }
}

/** Names of the tables in the file, to report on what exists. */
export function tableNames(connection: DriverConnection, file: string): Set<string> {
  try {
    return new Set(connection.prepare(TABLE_NAMES.text).values(TABLE_NAMES.bind({})).map((row) => String(row[0])))
  } catch (error) {
    // SQLITE_NOTADB and friends surface on the first read, not at open.
    throw new CliError('sqlite_error', `cannot read ${file}: ${oneLine(error)}`, { cause: error })
  }
}

/** Whether any of honker's `_honker_*` tables is in the file (honker creates them together). */
export function hasHonkerTables(tables: Set<string>): boolean {
  for (const name of tables) if (name.startsWith('_honker_')) return true
  return false
}
