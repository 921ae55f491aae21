import { statement } from '../sql/statement.ts'

/**
 * Task return values in `_honker_results`, with honker 0.5's semantics (docs/compatibility.md 2.4):
 * values are JSON text keyed by job id, `expires_at` NULL means keep forever, and a row past its
 * expiry is hidden from reads but stays until a sweep deletes it.
 */

/**
 * Save or replace one result. On conflict only the value and the expiry change (honker's upsert);
 * `created_at` keeps the first save's time.
 */
export const SAVE_RESULT = statement(
  'save_result',
  `INSERT INTO _honker_results (job_id, value, created_at, expires_at) VALUES (:job_id, :value, :now, :expires_at)
   ON CONFLICT (job_id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
)

/**
 * A live result's text. `expires_at <= now` is expired (honker's boundary). A NULL value (which
 * honker's strict `value TEXT` argument never writes) reads as absent, as `honker_result_get` does.
 */
export const GET_RESULT = statement(
  'get_result',
  `SELECT value FROM _honker_results
   WHERE job_id = :job_id AND value IS NOT NULL AND (expires_at IS NULL OR expires_at > :now)`,
)

/** Delete expired results; rows kept forever (NULL expiry) are never swept. */
export const SWEEP_RESULTS = statement(
  'sweep_results',
  `DELETE FROM _honker_results WHERE expires_at IS NOT NULL AND expires_at <= :now`,
)
