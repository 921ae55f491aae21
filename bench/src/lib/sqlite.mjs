import { createRequire } from 'node:module'
import { open } from '@honker/core'
import { CONNECTION_PRAGMAS } from '@honker/core/adapter'
export { freshPath } from './files.mjs'
import { inImmediate } from './libraries.mjs'
import { PREFILL_DEAD_SQL, PREFILL_JOBS_SQL, PREFILL_STREAM_SQL } from './sql.mjs'

// better-sqlite3 loads only where a better-sqlite3 handle is asked for: the per-driver figures
// import this file in Node 24 and Bun, where its addon (built for Node 20) cannot load.
const require = createRequire(import.meta.url)

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

/** A raw better-sqlite3 connection with Honker's settings (the adapters and peers take one). */
export function openRaw(file) {
  const Database = require('better-sqlite3')
  return applyPragmas(new Database(file, { timeout: 5000 }))
}

/**
 * Create the `_honker_*` tables exactly as `open()` from @honker/core does, then let go of it
 * (with the driver `HONKER_DRIVER` names in a per-driver figure's process).
 */
export function createHonkerSchema(file) {
  open(file).close()
}

// The helpers below take a handle of any of the three libraries (better-sqlite3, node:sqlite,
// bun:sqlite): they only use prepare / run / get / exec, which the three share.

/** `count` ready jobs of `queue` in one transaction: a claim backlog, or the jobs of an e2e run. */
export function prefillJobs(connection, queue, count) {
  if (count <= 0) return
  inImmediate(connection, () => connection.prepare(PREFILL_JOBS_SQL).run(count, queue))
}

export function prefillDead(connection, queue, count) {
  if (count <= 0) return
  inImmediate(connection, () => connection.prepare(PREFILL_DEAD_SQL).run(count, queue))
}

/** Events for the replay figures, in one transaction. */
export function prefillStream(connection, topic, count) {
  if (count <= 0) return
  inImmediate(connection, () => connection.prepare(PREFILL_STREAM_SQL).run(count, topic))
}

export function countLive(connection, queue) {
  return Number(connection.prepare('SELECT count(*) AS n FROM _honker_live WHERE queue = ?').get(queue).n)
}
