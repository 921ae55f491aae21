// The app's own database handle, shared by the demo process and the worker processes.
//
// The orders app owns its better-sqlite3 connection and hands it to Honker with
// `open({ database })`: `db.transaction` then runs on the app's connection, so the order row and
// its email job commit (or roll back) together. Honker leaves a handle it did not open alone, so
// the app sets the settings a multi-process queue wants itself.
import BetterSqlite3 from 'better-sqlite3'
import { open } from '@honker/core'

/** The queue the confirmation emails go through. */
export const EMAIL_QUEUE = 'emails'

/**
 * Open the app's database file and Honker on top of it (creating Honker's tables if missing).
 * @param {string} file
 * @returns {{ sqlite: import('better-sqlite3').Database, db: import('@honker/core').Database }}
 */
export function openAppDatabase(file) {
  const sqlite = new BetterSqlite3(file, { timeout: 5000 })
  sqlite.pragma('journal_mode = WAL') // readers (the workers' watchers) never block the writer
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('busy_timeout = 5000') // three processes take turns writing
  const db = open({ database: sqlite })
  return { sqlite, db }
}

/** @param {import('better-sqlite3').Database} sqlite */
export function createSchema(sqlite) {
  sqlite.exec(`
    CREATE TABLE IF NOT EXISTS orders (
      id          INTEGER PRIMARY KEY,
      customer    TEXT    NOT NULL,
      email       TEXT    NOT NULL,
      total_cents INTEGER NOT NULL,
      status      TEXT    NOT NULL DEFAULT 'placed',  -- placed -> emailed | email_failed
      emails_sent INTEGER NOT NULL DEFAULT 0,         -- must end at exactly 1 per order
      emailed_by  TEXT,                               -- which worker process sent it
      created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )
  `)
}

/**
 * Milliseconds on the machine's monotonic clock, the one clock every process on it shares (Node's
 * process.hrtime reads CLOCK_MONOTONIC), for latencies timed across processes. Not
 * `performance.timeOrigin + performance.now()`: each process fixes its origin from its own
 * wall-clock read at start-up, and two processes' origins can be a millisecond apart.
 */
export function monotonicMs() {
  const [seconds, nanos] = process.hrtime()
  return seconds * 1e3 + nanos / 1e6
}
