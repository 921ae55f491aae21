/**
 * SQL shared by the raw better-sqlite3 cases and the honker native cases. No imports: the native
 * cases run in processes that must never load better-sqlite3 (two SQLite copies in one process
 * lose writes, see README).
 */

/** The queue every figure uses. */
export const QUEUE = 'bench'

/** `count` ready jobs in one statement (a backlog builds in a fraction of a second). */
export const PREFILL_JOBS_SQL = `INSERT INTO _honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  SELECT ?, '{"i":' || i || '}', 'pending', 0, unixepoch() - 1, 0, 3, unixepoch() - 1 FROM n`

/** Terminal rows for the "claims ignore the dead-letter table" figure; ids far above live ids. */
export const PREFILL_DEAD_SQL = `INSERT INTO _honker_dead (id, queue, payload, priority, run_at, attempts, max_attempts, last_error, created_at, died_at)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  SELECT 100000000 + i, ?, '{"i":' || i || '}', 0, unixepoch() - 3600, 3, 3, 'max attempts exceeded',
         unixepoch() - 3600, unixepoch() - 60 FROM n`

/** `count` stream events of `topic` for the replay figures. */
export const PREFILL_STREAM_SQL = `INSERT INTO _honker_stream (topic, key, payload, created_at)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
  SELECT ?, NULL, '{"i":' || i || '}', unixepoch() FROM n`

/** Raw job insert: the same row Honker's enqueue writes, without RETURNING (run() has the rowid). */
export const RAW_INSERT_JOB = `INSERT INTO _honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at)
  VALUES (?, ?, 'pending', 0, ?, 0, 3, ?, NULL)`

/**
 * Hand-written claim with the full honker claim predicate (reclaim of lapsed claims, attempts,
 * expiry), walking the `_honker_live_claim` partial index in its order. It is the ceiling for
 * Honker's claim: one statement, no dead-letter pre-step, no job objects. `LIMIT +?`, not
 * `LIMIT ?`: SQLite 3.47+ re-plans a statement every time a bare LIMIT parameter is bound (5x
 * slower claims), and a ceiling should not carry that.
 */
export const RAW_CLAIM = `UPDATE _honker_live
  SET state = 'processing', worker_id = ?, claim_expires_at = ?, attempts = attempts + 1
  WHERE id IN (
    SELECT id FROM _honker_live
    WHERE queue = ? AND state IN ('pending', 'processing')
      AND attempts < max_attempts
      AND (expires_at IS NULL OR expires_at > ?)
      AND ((state = 'pending' AND run_at <= ?) OR (state = 'processing' AND claim_expires_at < ?))
    ORDER BY priority DESC, run_at ASC, id ASC
    LIMIT +?)
  RETURNING id, queue, payload, state, priority, run_at, worker_id, claim_expires_at, attempts, max_attempts, created_at, expires_at`

export const RAW_ACK = `DELETE FROM _honker_live WHERE id = ? AND worker_id = ? AND claim_expires_at >= ?`

export const RAW_ACK_BATCH = `DELETE FROM _honker_live
  WHERE id IN (SELECT value FROM json_each(?)) AND worker_id = ? AND claim_expires_at >= ?`

export const RAW_INSERT_STREAM = `INSERT INTO _honker_stream (topic, key, payload, created_at) VALUES (?, NULL, ?, ?)`

export const RAW_READ_STREAM = `SELECT offset, topic, key, payload, created_at FROM _honker_stream
  WHERE topic = ? AND offset > ? ORDER BY offset LIMIT +?`

export const RAW_INSERT_NOTIFICATION = `INSERT INTO _honker_notifications (channel, payload, created_at) VALUES (?, ?, ?)`

export function nowS() {
  return Math.floor(Date.now() / 1000)
}
