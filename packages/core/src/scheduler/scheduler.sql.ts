import { statement } from '../sql/statement.ts'

/**
 * Statements over `_honker_scheduler_tasks` (docs/compatibility.md 1.2, 2.8). The table is small (one row
 * per schedule), so plain scans are fine. No statement writes a `_honker_notifications` row: the
 * table write itself advances `data_version`, which is what wakes a sleeping leader (pitfall 8.3.2).
 */

const TASK_COLUMNS = `name, queue, cron_expr, payload, priority, expires_s, next_fire_at, enabled, max_attempts`

export const GET_TASK = statement('get_task', `SELECT ${TASK_COLUMNS} FROM _honker_scheduler_tasks WHERE name = :name`)

/**
 * Create or redefine a task (`add`, and `update` with the old values merged in). `enabled` is left out on purpose: a new row gets the default 1 and a
 * paused task stays paused when it is registered again (honker's rule).
 */
export const UPSERT_TASK = statement(
  'upsert_task',
  `INSERT INTO _honker_scheduler_tasks (name, queue, cron_expr, payload, priority, expires_s, next_fire_at, max_attempts)
   VALUES (:name, :queue, :cron_expr, :payload, :priority, :expires_s, :next_fire_at, :max_attempts)
   ON CONFLICT (name) DO UPDATE SET
     queue = excluded.queue, cron_expr = excluded.cron_expr, payload = excluded.payload,
     priority = excluded.priority, expires_s = excluded.expires_s, next_fire_at = excluded.next_fire_at,
     max_attempts = excluded.max_attempts`,
)

/**
 * Replace the editable fields of an existing task; unchanged fields are taken from the row. The
 * SQL-functions extension's `honker_scheduler_update` runs it (core's `update` writes through
 * UPSERT_TASK with the row merged in, as every engine does).
 */
export const UPDATE_TASK = statement(
  'update_task',
  `UPDATE _honker_scheduler_tasks
   SET cron_expr = :cron_expr, payload = :payload, priority = :priority, expires_s = :expires_s,
       max_attempts = :max_attempts, next_fire_at = :next_fire_at
   WHERE name = :name`,
)

export const DELETE_TASK = statement('delete_task', `DELETE FROM _honker_scheduler_tasks WHERE name = :name`)

/** Flip `enabled` only from the other value, so a repeat reports no change (honker's 0). */
export const PAUSE_TASK = statement(
  'pause_task',
  `UPDATE _honker_scheduler_tasks SET enabled = 0 WHERE name = :name AND enabled = 1`,
)

export const RESUME_TASK = statement(
  'resume_task',
  `UPDATE _honker_scheduler_tasks SET enabled = 1 WHERE name = :name AND enabled = 0`,
)

export const LIST_TASKS = statement('list_tasks', `SELECT ${TASK_COLUMNS} FROM _honker_scheduler_tasks ORDER BY name`)

/** The next moment anything is due; paused tasks do not count. */
export const SOONEST_FIRE = statement(
  'soonest_fire',
  `SELECT min(next_fire_at) AS next_at FROM _honker_scheduler_tasks WHERE enabled = 1`,
)

/** Tasks with a boundary at or before :now, in name order so a tick's result is deterministic. */
export const DUE_TASKS = statement(
  'due_tasks',
  `SELECT ${TASK_COLUMNS} FROM _honker_scheduler_tasks WHERE enabled = 1 AND next_fire_at <= :now ORDER BY name`,
)

/** Persist a task's next boundary after a tick fired it. */
export const SET_NEXT_FIRE = statement(
  'set_next_fire',
  `UPDATE _honker_scheduler_tasks SET next_fire_at = :next_fire_at WHERE name = :name`,
)
