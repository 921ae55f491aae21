import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { betterSqlite3Driver, betterSqlite3DriverOf, classifyBetterSqlite3Error, loadBetterSqlite3, type BetterSqlite3Class, type BetterSqlite3Database } from './better-sqlite3.ts'
import { bunSqliteDriver, classifyBunSqliteError, isBunSqliteHandle, type BunSqliteDatabase } from './bun-sqlite.ts'
import type { Driver, DriverConnection, DriverName, SqliteFailure } from './driver.ts'
import {
  classifyLibsqlError,
  isLibsqlClass,
  isLibsqlClient,
  libsqlDriver,
  libsqlDriverOf,
  loadLibsql,
  remoteDatabaseError,
  type LibsqlClass,
  type LibsqlClient,
  type LibsqlDatabase,
} from './libsql.ts'
import { classifyNodeSqliteError, isNodeSqliteHandle, nodeSqliteDriver, type NodeSqliteDatabase } from './node-sqlite.ts'

/** An app's own database handle of a library Honker drives. */
export type SqliteHandle = BetterSqlite3Database | NodeSqliteDatabase | BunSqliteDatabase | LibsqlDatabase

/** What `open({ driver })` takes: a library's name, better-sqlite3's or libsql's class, or a driver object. */
export type DriverOption = DriverName | BetterSqlite3Class | LibsqlClass | Driver

const DRIVER_NAMES: readonly DriverName[] = ['better-sqlite3', 'node:sqlite', 'bun:sqlite', 'libsql']

/** Drivers used in this process, asked first to classify an error (a custom driver may be among them). */
const loaded = new Set<Driver>()

function remember<D extends Driver>(driver: D): D {
  loaded.add(driver)
  return driver
}

/** The built-in libraries' error shapes, read without loading the libraries. */
const BUILT_IN_CLASSIFIERS = [classifyLibsqlError, classifyBetterSqlite3Error, classifyNodeSqliteError, classifyBunSqliteError]

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined'

function load(name: DriverName): Driver {
  try {
    if (name === 'better-sqlite3') return remember(betterSqlite3Driver(loadBetterSqlite3()))
    if (name === 'libsql') return remember(libsqlDriver(loadLibsql()))
    if (name === 'node:sqlite') {
      if (isBun) throw new Error('node:sqlite is not available in Bun')
      return remember(nodeSqliteDriver())
    }
    if (!isBun) throw new Error('bun:sqlite is only available in Bun')
    return remember(bunSqliteDriver())
  } catch (error) {
    if (HonkerError.isInstance(error)) throw error
    throw new HonkerError('driver_unavailable', `${name} cannot be loaded here: ${(error as Error).message}`, { cause: error })
  }
}

/** The default found by probing, kept: probing opens a connection. */
let probedDefault: Driver | undefined

/**
 * The driver for `open(path)` without one: the library named by the `HONKER_DRIVER` environment
 * variable if set (how the test suites run every test on each driver, and how a deployment picks
 * one without code), else better-sqlite3 where it is installed (a peer dependency), else the
 * runtime's built-in SQLite (bun:sqlite in Bun, node:sqlite in Node 22.5+).
 */
export function defaultDriver(): Driver {
  const named = typeof process === 'undefined' ? undefined : process.env.HONKER_DRIVER
  if (named !== undefined && named !== '') {
    if (!DRIVER_NAMES.includes(named as DriverName)) {
      throw new InvalidArgumentError('HONKER_DRIVER', `must be one of ${DRIVER_NAMES.join(', ')}; got '${named}'`)
    }
    return load(named as DriverName)
  }
  if (isBun) return load('bun:sqlite')
  if (probedDefault !== undefined) return probedDefault
  try {
    const driver = load('better-sqlite3')
    // better-sqlite3 loads its native addon at the first open, not at require: one built for
    // another Node (a workspace shared with Node 24, say) fails only there. Probe once.
    driver.open(':memory:', { busyTimeoutMs: 0 }).close()
    probedDefault = driver
    return driver
  } catch (error) {
    try {
      probedDefault = load('node:sqlite')
      return probedDefault
    } catch {
      throw new HonkerError(
        'driver_unavailable',
        'no SQLite driver: install better-sqlite3 (npm install better-sqlite3), or use Node 22.5+ (node:sqlite) or Bun',
        { cause: error },
      )
    }
  }
}

export function resolveDriver(option: DriverOption): Driver {
  if (typeof option === 'string') {
    if (!DRIVER_NAMES.includes(option)) {
      throw new InvalidArgumentError('driver', `must be one of ${DRIVER_NAMES.join(', ')}, better-sqlite3's or libsql's Database class or a driver; got '${option}'`)
    }
    return load(option)
  }
  if (isLibsqlClass(option)) return remember(libsqlDriver(option))
  if (typeof option === 'function') return remember(betterSqlite3Driver(option as BetterSqlite3Class))
  if (typeof option === 'object' && option !== null && typeof option.open === 'function' && typeof option.classify === 'function') {
    return remember(option)
  }
  throw new InvalidArgumentError('driver', `must be one of ${DRIVER_NAMES.join(', ')}, better-sqlite3's or libsql's Database class or a driver`)
}

/**
 * Wrap an app's own handle: its library becomes the driver of Honker's own connections too, so the
 * process holds one SQLite copy (two copies in one process lose each other's POSIX locks).
 */
export function wrapHandle(handle: unknown): DriverConnection {
  if (typeof handle !== 'object' || handle === null || typeof (handle as { prepare?: unknown }).prepare !== 'function') {
    throw new InvalidArgumentError('database', 'must be a better-sqlite3, node:sqlite, bun:sqlite or libsql database handle')
  }
  // Before better-sqlite3's check: a libsql Database has better-sqlite3's shape too.
  const libsql = libsqlDriverOf(handle)
  if (libsql !== null) return remember(libsql).wrap(handle)!
  const betterSqlite3 = betterSqlite3DriverOf(handle)
  if (betterSqlite3 !== null) return remember(betterSqlite3).wrap(handle)!
  if (isNodeSqliteHandle(handle)) return load('node:sqlite').wrap(handle)!
  if (isBunSqliteHandle(handle)) return load('bun:sqlite').wrap(handle)!
  const name = (handle as object).constructor?.name ?? 'object'
  throw new HonkerError(
    'unsupported_driver',
    `database: a ${name} is not a handle Honker can use; give a better-sqlite3 Database, a node:sqlite DatabaseSync, a bun:sqlite Database or a libsql Database (an @libsql/client Client: use an adapter's createHonker)`,
  )
}

/**
 * The driver behind an `@libsql/client` `Client`: on a `file:` URL the client runs on the `libsql`
 * package, and the copy this process loaded opens Honker's own connections (one SQLite library per
 * process). A remote URL (libsql://, http(s)://, ws(s)://) has no file to watch: refused with code
 * 'remote_database'.
 */
export function driverOfLibsqlClient(client: LibsqlClient): Driver {
  if (!isLibsqlClient(client)) {
    throw new InvalidArgumentError('client', 'must be an @libsql/client Client')
  }
  if (client.protocol !== 'file') {
    throw remoteDatabaseError(`the @libsql/client Client is on a remote database (protocol '${client.protocol}')`)
  }
  return load('libsql')
}

/** What a SQLite error means, whichever library threw it. */
export function classifySqliteError(error: unknown): SqliteFailure | null {
  for (const classify of BUILT_IN_CLASSIFIERS) {
    const failure = classify(error)
    if (failure !== null) return failure
  }
  for (const driver of loaded) {
    const failure = driver.classify(error)
    if (failure !== null) return failure
  }
  return null
}

/** The driver of an app's handle, to open Honker's own connections with the same library. */
export function driverOf(handle: SqliteHandle): Driver {
  return wrapHandle(handle).driver
}
