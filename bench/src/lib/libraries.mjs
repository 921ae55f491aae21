/**
 * The three SQLite libraries @honker/core drives, each opened with its own API: better-sqlite3
 * (Node 20), `node:sqlite`'s DatabaseSync (Node 24) and `bun:sqlite` (Bun). The raw ceilings run
 * their hot loops on these handles directly (`prepare(sql)` then `stmt.run(...)` / `stmt.all(...)`,
 * which the three spell alike), so a raw figure is the library alone, never a wrapper.
 *
 * Which library a process uses is `HONKER_DRIVER` (the harness sets it per case; unset means
 * better-sqlite3), the same variable that makes `open(path)` from @honker/core pick that driver:
 * a case process and the workers it spawns hold one SQLite copy (two copies in one process lose
 * each other's POSIX locks). Only the chosen library is loaded: better-sqlite3's addon is built
 * for Node 20 and would not load in Node 24 or Bun.
 */
import { createRequire } from 'node:module'
import { CONNECTION_PRAGMAS } from '@honker/core/adapter'

const require = createRequire(import.meta.url)

const NAMES = ['better-sqlite3', 'node:sqlite', 'bun:sqlite']

/** The library this process measures: `HONKER_DRIVER`, else better-sqlite3. */
export function benchDriver() {
  const named = process.env.HONKER_DRIVER
  if (named === undefined || named === '') return 'better-sqlite3'
  if (!NAMES.includes(named)) throw new Error(`HONKER_DRIVER must be one of ${NAMES.join(', ')}; got '${named}'`)
  return named
}

/**
 * A handle of `driver`'s library on `file` with Honker's connection settings (core's
 * CONNECTION_PRAGMAS, plus the 5 s busy timeout through each library's own option where it has one).
 */
export function openLibrary(file, driver = benchDriver()) {
  let db
  if (driver === 'better-sqlite3') {
    const Database = require('better-sqlite3')
    db = new Database(file, { timeout: 5000 })
  } else if (driver === 'node:sqlite') {
    const { DatabaseSync } = require('node:sqlite')
    db = new DatabaseSync(file, { timeout: 5000 })
  } else if (driver === 'bun:sqlite') {
    const { Database } = require('bun:sqlite')
    db = new Database(file, { create: true, readwrite: true })
  } else {
    throw new Error(`unknown driver ${driver}`)
  }
  for (const pragma of CONNECTION_PRAGMAS) db.exec(`PRAGMA ${pragma}`)
  return db
}

/**
 * `fn` as one `BEGIN IMMEDIATE` transaction, written the way each library's users write it:
 * better-sqlite3's and bun:sqlite's `db.transaction(fn).immediate`; node:sqlite has no
 * transaction helper, so prepared BEGIN IMMEDIATE / COMMIT statements (what the other two do inside).
 */
export function immediateTransaction(db, fn, driver = benchDriver()) {
  if (driver === 'better-sqlite3' || driver === 'bun:sqlite') return db.transaction(fn).immediate
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')
  return (...args) => {
    begin.run()
    try {
      const result = fn(...args)
      commit.run()
      return result
    } catch (error) {
      if (db.isTransaction !== false) rollback.run()
      throw error
    }
  }
}

/** Untimed setup writes (backlogs, counts): plain BEGIN IMMEDIATE / COMMIT, which any library takes. */
export function inImmediate(db, fn) {
  db.exec('BEGIN IMMEDIATE')
  try {
    const result = fn()
    db.exec('COMMIT')
    return result
  } catch (error) {
    try {
      db.exec('ROLLBACK')
    } catch {}
    throw error
  }
}

/** SQLite's version as `driver`'s library links it, and the runtime it runs in. */
export function libraryInfo(driver = benchDriver()) {
  const db = driver === 'better-sqlite3' ? new (require('better-sqlite3'))(':memory:') : driver === 'node:sqlite' ? new (require('node:sqlite').DatabaseSync)(':memory:') : new (require('bun:sqlite').Database)(':memory:')
  try {
    const sqlite = db.prepare('SELECT sqlite_version() AS v').get().v
    const library = driver === 'better-sqlite3' ? require('better-sqlite3/package.json').version : null
    const runtime = typeof process.versions.bun === 'string' ? `Bun ${process.versions.bun}` : `Node ${process.version}`
    return { driver, sqlite, library, runtime }
  } finally {
    db.close()
  }
}
