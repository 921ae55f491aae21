import { NOW, pgStatement } from './statement.ts'

/** Locks, rate limits, results and schedules: SQLite's tables and rules, one statement each. */
export function coordinationStatements(s: string, wake: string) {
  const TASK_COLUMNS = `name, queue, cron_expr, payload, priority, expires_s, next_fire_at, enabled, max_attempts`
  return {
    /**
     * $2 name, $3 owner, $4 ttl: take the lease if it is free or lapsed; a held lease is never
     * refreshed here, even for its owner. Reports the holder either way.
     */
    acquireLock: pgStatement(
      'acquire_lock',
      `WITH taken AS (
         INSERT INTO ${s}._honker_locks AS l (name, owner, expires_at) VALUES ($2, $3, ${NOW} + $4::bigint)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE l.expires_at <= ${NOW}
         RETURNING owner, expires_at)
       SELECT owner, expires_at, ${NOW} AS now FROM taken
       UNION ALL
       SELECT owner, expires_at, ${NOW} FROM ${s}._honker_locks WHERE name = $2 AND NOT EXISTS (SELECT 1 FROM taken)`,
    ),
    /** $2 name, $3 owner, $4 ttl. */
    renewLock: pgStatement(
      'renew_lock',
      `UPDATE ${s}._honker_locks SET expires_at = ${NOW} + $4::bigint WHERE name = $2 AND owner = $3 RETURNING expires_at`,
    ),
    /** $2 name, $3 owner, $4 wake key (a standby waits for it). */
    releaseLock: pgStatement(
      'release_lock',
      `WITH gone AS (DELETE FROM ${s}._honker_locks WHERE name = $2 AND owner = $3 RETURNING name)
       SELECT count(*) AS released, count(pg_notify('${wake}', $4)) AS woke FROM gone`,
    ),
    /** $2 name. */
    getLock: pgStatement('get_lock', `SELECT owner, expires_at, ${NOW} AS now FROM ${s}._honker_locks WHERE name = $2`),
    /** $2 name, $3 per_s, $4 limit: one row when a slot was taken. */
    tryRateLimit: pgStatement(
      'try_rate_limit',
      `INSERT INTO ${s}._honker_rate_limits AS r (name, window_start, count) VALUES ($2, (${NOW} / $3::bigint) * $3::bigint, 1)
       ON CONFLICT (name, window_start) DO UPDATE SET count = r.count + 1 WHERE r.count < $4`,
    ),
    /** $2 name, $3 per_s. */
    rateLimitState: pgStatement(
      'rate_limit_state',
      `SELECT coalesce((SELECT count FROM ${s}._honker_rate_limits WHERE name = $2 AND window_start = (${NOW} / $3::bigint) * $3::bigint), 0) AS count,
              (${NOW} / $3::bigint) * $3::bigint AS window_start`,
    ),
    /** $2 older than seconds. */
    sweepRateLimits: pgStatement('sweep_rate_limits', `DELETE FROM ${s}._honker_rate_limits WHERE window_start < ${NOW} - $2::bigint`),
    /** $2 job id, $3 value, $4 ttl (0: no expiry), $5 wake key. */
    saveResult: pgStatement(
      'save_result',
      `INSERT INTO ${s}._honker_results (job_id, value, created_at, expires_at)
       VALUES ($2, $3, ${NOW}, CASE WHEN $4::bigint > 0 THEN ${NOW} + $4::bigint END)
       ON CONFLICT (job_id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
       RETURNING pg_notify('${wake}', $5)::text AS woke`,
    ),
    /** $2 job id. */
    getResult: pgStatement(
      'get_result',
      `SELECT value FROM ${s}._honker_results WHERE job_id = $2 AND value IS NOT NULL AND (expires_at IS NULL OR expires_at > ${NOW})`,
    ),
    sweepResults: pgStatement('sweep_results', `DELETE FROM ${s}._honker_results WHERE expires_at IS NOT NULL AND expires_at <= ${NOW}`),
    getTask: pgStatement('get_task', `SELECT ${TASK_COLUMNS} FROM ${s}._honker_scheduler_tasks WHERE name = $2`),
    /** $2 name (locked for a read-modify-write). */
    lockTask: pgStatement('lock_task', `SELECT ${TASK_COLUMNS} FROM ${s}._honker_scheduler_tasks WHERE name = $2 FOR UPDATE`),
    /**
     * $2 name .. $9 max_attempts, $10 the tasks' wake key: create or redefine (`enabled` kept), and
     * wake the leader, which may now have an earlier boundary.
     */
    upsertTask: pgStatement(
      'upsert_task',
      `INSERT INTO ${s}._honker_scheduler_tasks (name, queue, cron_expr, payload, priority, expires_s, next_fire_at, max_attempts)
       VALUES ($2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (name) DO UPDATE SET queue = excluded.queue, cron_expr = excluded.cron_expr, payload = excluded.payload,
         priority = excluded.priority, expires_s = excluded.expires_s, next_fire_at = excluded.next_fire_at,
         max_attempts = excluded.max_attempts
       RETURNING pg_notify('${wake}', $10)::text AS woke`,
    ),
    deleteTask: pgStatement('delete_task', `DELETE FROM ${s}._honker_scheduler_tasks WHERE name = $2`),
    pauseTask: pgStatement('pause_task', `UPDATE ${s}._honker_scheduler_tasks SET enabled = 0 WHERE name = $2 AND enabled = 1`),
    /** $2 name, $3 the tasks' wake key. */
    resumeTask: pgStatement(
      'resume_task',
      `UPDATE ${s}._honker_scheduler_tasks SET enabled = 1 WHERE name = $2 AND enabled = 0 RETURNING pg_notify('${wake}', $3)::text AS woke`,
    ),
    listTasks: pgStatement('list_tasks', `SELECT ${TASK_COLUMNS} FROM ${s}._honker_scheduler_tasks ORDER BY name`),
    soonestTask: pgStatement('soonest_fire', `SELECT min(next_fire_at) AS next_at FROM ${s}._honker_scheduler_tasks WHERE enabled = 1`),
    /** $2 due-at time: due tasks, locked for the tick's transaction. */
    dueTasks: pgStatement(
      'due_tasks',
      `SELECT ${TASK_COLUMNS} FROM ${s}._honker_scheduler_tasks WHERE enabled = 1 AND next_fire_at <= $2 ORDER BY name FOR UPDATE`,
    ),
    setNextFire: pgStatement('set_next_fire', `UPDATE ${s}._honker_scheduler_tasks SET next_fire_at = $3 WHERE name = $2`),
    /** $2 lease name, $3 owner: the tick's fence; no row means leadership was lost. */
    fenceLease: pgStatement(
      'fence_lease',
      `SELECT 1 AS held FROM ${s}._honker_locks WHERE name = $2 AND owner = $3 AND expires_at > ${NOW} FOR UPDATE`,
    ),
    now: pgStatement('now', `SELECT ${NOW} AS now, extract(epoch from statement_timestamp()) * 1000 AS server_ms`),
  }
}

export type CoordinationStatements = ReturnType<typeof coordinationStatements>
