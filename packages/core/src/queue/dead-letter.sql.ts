import { statement } from '../sql/statement.ts'

/**
 * Statements of the dead-letter table `_honker_dead` (docs/compatibility.md 1.2): listing it, and moving
 * rows back to the queue (redrive) or deleting them. honker has no SQL function for either; these
 * only touch columns every binding reads, so a redriven job is an ordinary pending job to all of
 * them. `:ids` is a JSON array of job ids.
 */

const DEAD_COLUMNS = `id, queue, payload, priority, run_at, attempts, max_attempts, last_error, created_at, died_at`

/**
 * One page of a queue's dead jobs in id order. `_honker_dead` has no index but its primary key
 * (honker's schema), so this walks ids and filters by queue: fine for an operator's listing.
 */
export const LIST_DEAD = statement(
  'list_dead',
  `SELECT ${DEAD_COLUMNS} FROM _honker_dead
   WHERE queue = :queue AND id > :after_id
   ORDER BY id
   LIMIT :limit`,
)

export const COUNT_DEAD = statement('count_dead', `SELECT count(*) AS count FROM _honker_dead WHERE queue = :queue`)

/**
 * Redrive: copy dead jobs back into `_honker_live` as pending, due now, with attempts reset to 0,
 * under the SAME id. The id is free: it came from `_honker_live`, whose AUTOINCREMENT never hands
 * an id out twice, and the job left that table when it died. Keeping it keeps saved results and
 * anything the app stored against the id pointing at the job. `expires_at` is not kept by
 * `_honker_dead`, so a redriven job never expires. A live row with the same id (only possible if
 * something wrote ids by hand) is skipped rather than failing the whole redrive.
 */
export const REVIVE_DEAD = statement(
  'revive_dead',
  `INSERT INTO _honker_live (id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at)
   SELECT id, queue, payload, 'pending', priority, :now, 0, max_attempts, created_at, NULL
   FROM _honker_dead
   WHERE queue = :queue AND id IN (SELECT value FROM json_each(:ids))
     AND NOT EXISTS (SELECT 1 FROM _honker_live AS live WHERE live.id = _honker_dead.id)
   ORDER BY id
   RETURNING id`,
)

/** The same for every dead job of the queue. */
export const REVIVE_ALL_DEAD = statement(
  'revive_all_dead',
  `INSERT INTO _honker_live (id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at)
   SELECT id, queue, payload, 'pending', priority, :now, 0, max_attempts, created_at, NULL
   FROM _honker_dead
   WHERE queue = :queue
     AND NOT EXISTS (SELECT 1 FROM _honker_live AS live WHERE live.id = _honker_dead.id)
   ORDER BY id
   RETURNING id`,
)

/** Delete dead jobs by id (after a redrive: exactly the ids it revived). */
export const DELETE_DEAD = statement(
  'delete_dead',
  `DELETE FROM _honker_dead
   WHERE queue = :queue AND id IN (SELECT value FROM json_each(:ids))
   RETURNING id`,
)

export const DELETE_ALL_DEAD = statement('delete_all_dead', `DELETE FROM _honker_dead WHERE queue = :queue RETURNING id`)
