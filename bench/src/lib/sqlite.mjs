import Database from 'better-sqlite3'
import { open } from '@honker/core'
import { CONNECTION_PRAGMAS } from '@honker/core/adapter'
export { freshPath } from './files.mjs'
import { PREFILL_DEAD_SQL, PREFILL_JOBS_SQL, PREFILL_STREAM_SQL } from './sql.mjs'

/**
 * The connection settings Honker applies to the connections it opens (docs/compatibility.md 1.1), taken
 * from core itself. Raw better-sqlite3 and the SQLite peers get the same ones, so every figure
 * measures code, not settings.
 */
export const HONKER_PRAGMAS = CONNECTION_PRAGMAS

export function applyPragmas(connection) {
  for (const pragma of HONKER_PRAGMAS) connection.pragma(pragma)
  return connection
}

/** A raw better-sqlite3 connection with Honker's settings. */
export function openRaw(file) {
  return applyPragmas(new Database(file, { timeout: 5000 }))
}

/** Create the `_honker_*` tables exactly as `open()` from @honker/core does, then let go of it. */
export function createHonkerSchema(file) {
  open(file).close()
}

/** `count` ready jobs of `queue` in one transaction: a claim backlog, or the jobs of an e2e run. */
export function prefillJobs(connection, queue, count) {
  if (count <= 0) return
  connection.transaction(() => connection.prepare(PREFILL_JOBS_SQL).run(count, queue)).immediate()
}

export function prefillDead(connection, queue, count) {
  if (count <= 0) return
  connection.transaction(() => connection.prepare(PREFILL_DEAD_SQL).run(count, queue)).immediate()
}

/** Events for the replay figures, in one transaction. */
export function prefillStream(connection, topic, count) {
  if (count <= 0) return
  connection.transaction(() => connection.prepare(PREFILL_STREAM_SQL).run(count, topic)).immediate()
}

export function countLive(connection, queue) {
  return connection.prepare('SELECT count(*) AS n FROM _honker_live WHERE queue = ?').get(queue).n
}

export function sqliteVersion() {
  const connection = new Database(':memory:')
  try {
    return connection.prepare('SELECT sqlite_version() AS v').get().v
  } finally {
    connection.close()
  }
}
