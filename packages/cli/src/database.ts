import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type Sqlite from 'better-sqlite3'
import { HonkerError, open, type Database } from '@honker/core'
import { CliError } from './errors.ts'

/** better-sqlite3's Database class. */
export type SqliteDriver = typeof Sqlite

const drivers = new Map<string, SqliteDriver>()

/**
 * The app's own better-sqlite3 (a peer dependency of this package, as of core): resolved from each
 * of `from` in turn (the worker passes its handler module's directory), then the current
 * directory, then this package. One process must hold one SQLite library: a handler module that
 * loads the app's copy while the command loads another puts two in the process, and two copies
 * lose each other's POSIX locks on the same file. Core gets the class as its `driver`, and the
 * command's read-only connections use it too.
 */
export function appDriver(from: readonly string[] = []): SqliteDriver {
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
    let driver = drivers.get(resolved)
    if (driver === undefined) {
      try {
        driver = require(resolved) as SqliteDriver
      } catch (error) {
        throw new CliError('driver_load_failed', `cannot load better-sqlite3 from ${resolved}: ${(error as Error).message}`, { cause: error })
      }
      drivers.set(resolved, driver)
    }
    return driver
  }
  throw new CliError(
    'driver_not_found',
    `better-sqlite3 is not installed where the app or @honker/cli can load it (searched from ${dirs.join(', ')}): run \`npm install better-sqlite3\` in your app (a peer dependency of @honker/cli)`,
  )
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
  /** The better-sqlite3 class to use (default: `appDriver()`). */
  driver?: SqliteDriver
}

/**
 * Open the database with core (migrating honker's tables if needed). A file without honker's
 * tables is refused unless `create`: core's open would add them to whatever file `--db` names.
 */
export function openHonker(file: string, options: OpenHonkerOptions = {}): Database {
  const driver = options.driver ?? appDriver()
  const create = options.create === true
  const resolved = create ? path.resolve(file) : requireDatabaseFile(file, options)
  if (!create) {
    const reader = openReadonly(resolved, driver)
    try {
      if (!hasHonkerTables(tableNames(reader))) throw notHonkerError(resolved, options)
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
export function openReadonly(file: string, driver: SqliteDriver = appDriver()): Sqlite.Database {
  const resolved = requireDatabaseFile(file)
  try {
    return new driver(resolved, { readonly: true, fileMustExist: true, timeout: 5000 })
  } catch (error) {
    throw new CliError('sqlite_error', `cannot open ${resolved}: ${(error as Error).message}`, { cause: error })
  }
}

/** Names of the tables in the file, to report on what exists. */
export function tableNames(connection: Sqlite.Database): Set<string> {
  try {
    const names = connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]
    return new Set(names)
  } catch (error) {
    // SQLITE_NOTADB and friends surface on the first read, not at open.
    throw new CliError('sqlite_error', `cannot read ${connection.name}: ${(error as Error).message}`, { cause: error })
  }
}

/** Whether any of honker's `_honker_*` tables is in the file (honker creates them together). */
export function hasHonkerTables(tables: Set<string>): boolean {
  for (const name of tables) if (name.startsWith('_honker_')) return true
  return false
}
