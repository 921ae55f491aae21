import { statement } from '../sql/statement.ts'

/**
 * Job history and queue events (migration 0003), written only for queues whose `_honker_queues`
 * row asks for them: a queue without settings runs none of these statements.
 */

const FINISHED_COLUMNS = `id, queue, payload, priority, run_at, attempts, max_attempts, created_at, progress, unique_key, group_key, trace_context`

/** Ack one job and hand back its row, for the history and the 'completed' event. */
export const TAKE_ACKED = statement(
  'take_acked',
  `DELETE FROM _honker_live WHERE id = :id AND worker_id = :worker_id AND claim_expires_at >= :now
   RETURNING ${FINISHED_COLUMNS}`,
)

/** A finished job into the history; `:state` is 'completed'. */
export const INSERT_HISTORY = statement(
  'insert_history',
  `INSERT OR REPLACE INTO _honker_history
     (id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, finished_at, last_error, result, progress, unique_key, group_key, trace_context)
   VALUES (:id, :queue, :payload, :state, :priority, :run_at, :attempts, :max_attempts, :created_at, :now, NULL, :result, :progress, :unique_key, :group_key, :trace_context)`,
)

/** The result a handler returned, beside its history row (`work(handler, { results: true })`). */
export const SET_HISTORY_RESULT = statement('set_history_result', `UPDATE _honker_history SET result = :result WHERE id = :id`)

export const INSERT_EVENT = statement(
  'insert_event',
  `INSERT INTO _honker_events (queue, job_id, kind, data, created_at) VALUES (:queue, :job_id, :kind, :data, :now)`,
)

/** Events of a queue after `:after_id`, oldest first (`queue.events()`). */
export const LIST_EVENTS = statement(
  'list_events',
  `SELECT id, queue, job_id, kind, data, created_at FROM _honker_events
   WHERE queue = :queue AND id > :after_id ORDER BY id LIMIT :limit`,
)

/** The newest event id of a queue (0 without events): where a new listener starts. */
export const LAST_EVENT_ID = statement('last_event_id', `SELECT coalesce(max(id), 0) AS id FROM _honker_events WHERE queue = :queue`)

/** A page of a queue's finished jobs in id order (`queue.jobs({ state: 'completed' })`). */
export const LIST_HISTORY = statement(
  'list_history',
  `SELECT id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, finished_at, last_error, result, progress, unique_key, group_key
   FROM _honker_history WHERE queue = :queue AND state = :state AND id > :after_id ORDER BY id LIMIT :limit`,
)

export const GET_HISTORY_JOB = statement(
  'get_history_job',
  `SELECT id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, finished_at, last_error, result, progress, unique_key, group_key
   FROM _honker_history WHERE id = :id`,
)

/** Drop history older than `:before` (finished_at), over `_honker_history_finished`. */
export const PRUNE_HISTORY_AGE = statement(
  'prune_history_age',
  `DELETE FROM _honker_history WHERE queue = :queue AND finished_at < :before`,
)

/** Keep only the newest `:keep` finished jobs of a queue. */
export const PRUNE_HISTORY_COUNT = statement(
  'prune_history_count',
  `DELETE FROM _honker_history WHERE queue = :queue AND state = 'completed' AND id <= (
     SELECT id FROM _honker_history WHERE queue = :queue AND state = 'completed' ORDER BY id DESC LIMIT 1 OFFSET :keep)`,
)

/** Dead letters of a queue that keeps failed jobs only so long. */
export const PRUNE_DEAD_AGE = statement('prune_dead_age', `DELETE FROM _honker_dead WHERE queue = :queue AND died_at < :before`)

export const PRUNE_DEAD_COUNT = statement(
  'prune_dead_count',
  `DELETE FROM _honker_dead WHERE queue = :queue AND id <= (
     SELECT id FROM _honker_dead WHERE queue = :queue ORDER BY id DESC LIMIT 1 OFFSET :keep)`,
)

/** Events older than `:before`: a listener reads them within moments, so a day is plenty. */
export const PRUNE_EVENTS = statement('prune_events', `DELETE FROM _honker_events WHERE queue = :queue AND created_at < :before`)
