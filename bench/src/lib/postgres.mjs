/**
 * Shared pieces of the PostgreSQL figures (`pnpm bench:postgres`): pools, the per-run schema
 * names, the backlog and the housekeeping every run does before its timed span. The harness
 * starts one cluster for the whole run (lib/pg-cluster.mjs) and hands every case its URL and a
 * run tag; each run works in schemas of its own (`<system>_<tag>`), dropped at its end, so no run
 * sees another's rows, and every system (raw, Honker, pg-boss, graphile-worker) has the same
 * server, the same pool size and the same housekeeping.
 */
import pg from 'pg'
import { QUEUE } from './sql.mjs'

/** Connections per pool, in every process of every system (pg's and graphile-worker's default). */
export const POOL_MAX = 10

/** A pg Pool on the bench cluster. Idle-client errors (a dropped schema, the end of a run) are not a crash. */
export function pgPool(url, max = POOL_MAX) {
  const pool = new pg.Pool({ connectionString: url, max })
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

/** This run's schema for `system`: a plain lower-case identifier. */
export function schemaName(system, tag) {
  const name = `${system}_${tag}`.toLowerCase()
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad schema name ${name}`)
  return name
}

export async function dropSchema(pool, schema) {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
}

/**
 * Before every timed span: statistics for the tables just filled (autovacuum would have them in
 * production, and an ANALYZE landing in the middle of a run would change plans under it), then a
 * CHECKPOINT, so the dirty pages of the backlog (and of earlier runs) are not flushed during it.
 */
export async function settleServer(pool, schema) {
  const { rows } = await pool.query(
    `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = $1`,
    [schema],
  )
  for (const { name } of rows) await pool.query(`ANALYZE ${name}`)
  await pool.query('CHECKPOINT')
}

/**
 * `count` ready jobs in Honker's `_honker_live` of `schema` (queue QUEUE), in one statement,
 * with run_at a second in the past on the server's clock (Honker's times are whole unix seconds).
 */
export async function prefillHonker(pool, schema, count, queue = QUEUE) {
  await pool.query(
    `INSERT INTO ${schema}._honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at)
     SELECT $1, '{"i":' || i || '}', 'pending', 0, extract(epoch FROM now())::bigint - 1, 0, 3, extract(epoch FROM now())::bigint - 1
     FROM generate_series(1, $2::int) AS i`,
    [queue, count],
  )
}

/** Whole unix seconds on this machine's clock (the raw figures pass times as parameters, as the SQLite ones do). */
export function nowS() {
  return Math.floor(Date.now() / 1000)
}
