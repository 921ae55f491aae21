import { UNGROUPED_WINDOW } from '@honker/core/engine'
import { NOW, pgStatement } from './statement.ts'

/**
 * The job queue's statements on PostgreSQL, with SQLite's semantics (core's queue.sql.ts):
 * `>=` owns a claim, `<` reclaims it; a claim counts an attempt; exhausted claimable jobs are
 * dead-lettered before a claim. Each operation is ONE statement (data-modifying CTEs), so it is
 * atomic on its own and costs one round trip. `s` is the schema, `wake` the NOTIFY channel.
 */
export function jobStatements(s: string, wake: string, options: { asyncWorkerCommits?: boolean } = {}) {
  const COLUMNS = `id, queue, payload, state, priority, run_at, worker_id, claim_expires_at, attempts, max_attempts, created_at, expires_at`
  const DEAD_COLUMNS = `id, queue, payload, priority, run_at, attempts, max_attempts, last_error, created_at, died_at`
  const DUE = `(expires_at IS NULL OR expires_at > ${NOW})
        AND ((state = 'pending' AND run_at <= ${NOW}) OR (state = 'processing' AND claim_expires_at < ${NOW}))`
  /**
   * Job history and events (migration 2) for queues whose `_honker_queues` row asks for them: each
   * is an INSERT ... SELECT joined to that row, so a queue without settings inserts nothing.
   * A CTE sees the rows as they were when the statement began, so the history reads an acked
   * job's columns from `_honker_live` itself, and the acking CTE returns only ids.
   */
  const EVENT_KEY = `CASE WHEN octet_length(queue) > 200 THEN 'e#' || encode(sha256(convert_to(queue, 'UTF8')), 'hex') ELSE 'e:' || queue END`
  const eventsCte = (name: string, source: string, kind: string, data: string, where = 'TRUE') => `${name} AS (
      INSERT INTO ${s}._honker_events (queue, job_id, kind, data, created_at)
      SELECT a.queue, a.id, '${kind}', (${data})::text, ${NOW} FROM ${source} AS a
      JOIN ${s}._honker_queues AS qe ON qe.queue = a.queue AND qe.events <> 0
      WHERE ${where}
      RETURNING queue)`
  /** Listeners of the events just written wake at commit, one NOTIFY per queue. */
  const eventWakes = (...names: string[]) =>
    `(SELECT count(pg_notify('${wake}', ${EVENT_KEY})) FROM (SELECT DISTINCT queue FROM (${names.map((name) => `SELECT queue FROM ${name}`).join(' UNION ALL ')}) AS e) AS e) AS event_wakes`
  /** The acked jobs of `source` (ids) into the history, read from the statement's snapshot of `_honker_live`. */
  const historyCte = (name: string, source: string, result = 'NULL::text') => `${name} AS (
      INSERT INTO ${s}._honker_history (id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, finished_at, result, progress, unique_key, group_key, trace_context)
      SELECT l.id, l.queue, l.payload, 'completed', l.priority, l.run_at, l.attempts, l.max_attempts, l.created_at, ${NOW}, ${result}, l.progress, l.unique_key, l.group_key, l.trace_context
      FROM ${source} AS a JOIN ${s}._honker_live AS l ON l.id = a.id
      JOIN ${s}._honker_queues AS qh ON qh.queue = l.queue AND (qh.keep_completed_s IS NOT NULL OR qh.keep_completed_count IS NOT NULL)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at, result = excluded.result, attempts = excluded.attempts
      RETURNING id)`
  /** History and 'completed' events of the jobs acked by CTE `acked` (id, queue). */
  const ACK_JOURNAL = `${historyCte('kept', 'acked')},
    ${eventsCte('ev_done', 'acked', 'completed', `json_build_object('attempts', a.attempts)`)}`
  /** $2 queue, $3 worker id, $4 limit, $5 visibility timeout: exhausted rows to the dead letters, then the claim. */
  const DEAD_LETTER_EXHAUSTED = `exhausted AS (
      DELETE FROM ${s}._honker_live WHERE id IN (
        SELECT id FROM ${s}._honker_live
        WHERE queue = $2 AND attempts >= max_attempts AND ${DUE}
        FOR UPDATE SKIP LOCKED)
      RETURNING *),
    buried AS (
      INSERT INTO ${s}._honker_dead (${DEAD_COLUMNS})
      SELECT id, queue, payload, priority, run_at, attempts, max_attempts, 'max attempts exceeded', created_at, ${NOW} FROM exhausted),
    ${eventsCte('ev_exhausted', 'exhausted', 'dead', `json_build_object('reason', 'max attempts exceeded', 'attempts', a.attempts)`)},`
  /**
   * A queue with settings that change its claim (paused, or a limit) takes the locked path of
   * limited-claim.ts instead: the plain claim skips it (an InitPlan, so its plan is unchanged) and
   * reports the settings in `limits`.
   */
  const LIMITED = `EXISTS (SELECT 1 FROM ${s}._honker_queues AS q
      WHERE q.queue = $2 AND (q.paused <> 0 OR q.concurrency IS NOT NULL OR q.group_concurrency IS NOT NULL))`
  const LIMITS = `(SELECT row_to_json(q) FROM ${s}._honker_queues AS q
      WHERE q.queue = $2 AND (q.paused <> 0 OR q.concurrency IS NOT NULL OR q.group_concurrency IS NOT NULL)) AS limits`
  /** A processing row claimed again had a claim that expired: its worker stalled or died. */
  const STALLED_EVENTS = eventsCte('ev_stalled', 'picked', 'stalled', `json_build_object('workerId', a.worker_id, 'attempts', a.attempts + 1)`, `a.state = 'processing'`)
  /** What a claim returns per job: its columns, and its trace context for an instrumented worker (null, and unread, otherwise). */
  const CLAIMED_RETURNING = `l.${COLUMNS.split(', ').join(', l.')}, l.trace_context`
  /** The claim: `limit` jobs in priority, run_at, id order, each claimed for `timeout` seconds ($2 queue, $3 worker). */
  const claimCtes = (limit: string, timeout: string, guard = `AND NOT ${LIMITED}`) => `picked AS MATERIALIZED (
      SELECT id, queue, state, worker_id, attempts FROM ${s}._honker_live
      WHERE queue = $2 AND state IN ('pending', 'processing') AND attempts < max_attempts AND ${DUE}
        ${guard}
      ORDER BY priority DESC, run_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED),
    claimed AS (
      -- = ANY(ARRAY(...)): a primary-key probe per picked id; IN (SELECT ...) hashed the CTE first.
      UPDATE ${s}._honker_live AS l
      SET state = 'processing', worker_id = $3, claim_expires_at = ${NOW} + ${timeout}::bigint, attempts = l.attempts + 1
      WHERE l.id = ANY(ARRAY(SELECT id FROM picked))
      RETURNING ${CLAIMED_RETURNING}),
    ${STALLED_EVENTS}`
  const CLAIM_CTES = claimCtes('$4', '$5')
  /** Jobs of queue $2 whose claim is live: what a concurrency limit counts. */
  const RUNNING_TOTAL = `(SELECT count(*) FROM ${s}._honker_live WHERE queue = $2 AND state = 'processing' AND claim_expires_at >= ${NOW})`
  const CLAIMED_JSON = `(SELECT coalesce(json_agg(claimed ORDER BY priority DESC, run_at, id), '[]') FROM claimed)`
  /** A new job's run_at: a delay counts from now, else the given time, else now. */
  const RUN_AT = `CASE WHEN $6::bigint IS NOT NULL THEN ${NOW} + $6::bigint ELSE coalesce($5::bigint, ${NOW}) END`
  const OWNED = `id = $2 AND worker_id = $3 AND state = 'processing' AND claim_expires_at >= ${NOW}`
  /**
   * A worker step's transaction commits without waiting for its WAL flush (`open()`'s
   * `asyncWorkerCommits`, docs/postgres.md): set_config(..., true) lasts until this statement's
   * own commit, so the session's setting and every other statement are untouched.
   */
  const WORKER_COMMIT = options.asyncWorkerCommits === true ? `, (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit` : ''
  function ackAndClaimText(commit: string): string {
    return `WITH acked AS (
         DELETE FROM ${s}._honker_live
         WHERE id = ANY($6::bigint[]) AND worker_id = $3 AND claim_expires_at >= ${NOW}
         RETURNING id, queue, attempts),
       ${ACK_JOURNAL},
       ${DEAD_LETTER_EXHAUSTED}
       ${CLAIM_CTES}
       SELECT (SELECT coalesce(array_agg(id), '{}') FROM acked) AS acked, ${CLAIMED_JSON} AS claimed, ${LIMITS},
         ${eventWakes('ev_done', 'ev_exhausted', 'ev_stalled')}${commit}`
  }
  return {
    /**
     * $2 queue, $3 payloads (text[]), $4 priority, $5 run_at, $6 delay_s, $7 max_attempts, $8 expires_s, $9 wake key, $10 group.
     * Ids come back as one array in payload order; the NOTIFY is an initplan, sent once per statement.
     */
    insert: pgStatement(
      'insert_jobs',
      `WITH ins AS (
         INSERT INTO ${s}._honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at, group_key)
         SELECT $2, p.payload, 'pending', $4, ${RUN_AT}, 0, $7, ${NOW}, ${NOW} + $8::bigint, $10::text
         FROM unnest($3::text[]) WITH ORDINALITY AS p(payload, n)
         ORDER BY p.n
         RETURNING id)
       SELECT array_agg(id ORDER BY id) AS ids, (SELECT pg_notify('${wake}', $9))::text AS woke FROM ins`,
    ),
    /**
     * One job, the same parameters with $3 one payload's text. A plain VALUES insert: an ORM
     * adapter's statement goes unnamed through the ORM, parsed and planned on every call, and
     * planning the unnest CTE above cost more than the insert itself.
     */
    insertOne: pgStatement(
      'insert_job',
      `INSERT INTO ${s}._honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at, group_key)
       VALUES ($2, $3, 'pending', $4, ${RUN_AT}, 0, $7, ${NOW}, ${NOW} + $8::bigint, $10::text)
       RETURNING id, pg_notify('${wake}', $9)::text AS woke`,
    ),
    /** The same with $11 a unique key: no row (and no wake) when a live job of the queue holds it. */
    insertUnique: pgStatement(
      'insert_unique_job',
      `INSERT INTO ${s}._honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at, group_key, unique_key)
       VALUES ($2, $3, 'pending', $4, ${RUN_AT}, 0, $7, ${NOW}, ${NOW} + $8::bigint, $10::text, $11::text)
       ON CONFLICT (queue, unique_key) WHERE unique_key IS NOT NULL DO NOTHING
       RETURNING id, pg_notify('${wake}', $9)::text AS woke`,
    ),
    /**
     * Issue 19: `insertUnique` plus $12 the producer's trace context (stored beside the payload),
     * with $11 null for a job without a unique key. Used only while instrumentation is on.
     */
    insertTraced: pgStatement(
      'insert_traced_job',
      `INSERT INTO ${s}._honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at, group_key, unique_key, trace_context)
       VALUES ($2, $3, 'pending', $4, ${RUN_AT}, 0, $7, ${NOW}, ${NOW} + $8::bigint, $10::text, $11::text, $12::text)
       ON CONFLICT (queue, unique_key) WHERE unique_key IS NOT NULL DO NOTHING
       RETURNING id, pg_notify('${wake}', $9)::text AS woke`,
    ),
    /** `insert` plus $11 the producer's trace context, the same for every job of the batch. */
    insertManyTraced: pgStatement(
      'insert_traced_jobs',
      `WITH ins AS (
         INSERT INTO ${s}._honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at, group_key, trace_context)
         SELECT $2, p.payload, 'pending', $4, ${RUN_AT}, 0, $7, ${NOW}, ${NOW} + $8::bigint, $10::text, $11::text
         FROM unnest($3::text[]) WITH ORDINALITY AS p(payload, n)
         ORDER BY p.n
         RETURNING id)
       SELECT array_agg(id ORDER BY id) AS ids, (SELECT pg_notify('${wake}', $9))::text AS woke FROM ins`,
    ),
    /** $2 id: a claimed job's stored trace context, read only by an instrumented worker ($1 is unused but typed). */
    traceContext: pgStatement('trace_context', `SELECT trace_context FROM ${s}._honker_live WHERE id = $2 AND $1::bigint IS NOT DISTINCT FROM $1::bigint`),
    /** $2 queue, $3 unique key: the live job holding it, and whether it expired (it then only waits for the sweep). */
    keyHolder: pgStatement(
      'key_holder',
      `SELECT id, (expires_at IS NOT NULL AND expires_at <= ${NOW}
         AND (state = 'pending' OR (state = 'processing' AND claim_expires_at < ${NOW}))) AS expired
       FROM ${s}._honker_live WHERE queue = $2 AND unique_key = $3`,
    ),
    /** $2 id: an expired key holder to the dead letters ('expired'). */
    buryExpired: pgStatement(
      'bury_expired',
      `WITH taken AS (DELETE FROM ${s}._honker_live WHERE id = $2 RETURNING *)
       INSERT INTO ${s}._honker_dead (${DEAD_COLUMNS})
       SELECT id, queue, payload, priority, run_at, attempts, max_attempts, 'expired', created_at, ${NOW} FROM taken`,
    ),
    /** $2 queue, $3 worker, $4 limit, $5 visibility timeout, $6 finished ids to ack first. */
    ackAndClaim: pgStatement('ack_and_claim', ackAndClaimText('')),
    /** The same as a worker's step (its commit as `asyncWorkerCommits` says). */
    workerAckAndClaim: pgStatement('worker_ack_and_claim', ackAndClaimText(WORKER_COMMIT)),
    /**
     * The same without the dead-letter step, for a worker's claims in between (see
     * queue-worker-storage.ts): planning that step costs a third of the statement, and the claim
     * never takes an exhausted job anyway, so deferring it only delays when one shows as dead.
     */
    /**
     * The worker's step at concurrency 1: $2 queue, $3 worker, $4 visibility timeout, $5 the
     * finished job's id or NULL. With a constant LIMIT and one id instead of an array, the
     * planner's estimates for the generic plan match a custom plan's, so Postgres keeps the
     * prepared plan instead of planning every execution (measured: about 1.8x the jobs/s).
     */
    ackOneAndClaimOne: pgStatement(
      'ack_one_and_claim_one',
      `WITH acked AS (
         DELETE FROM ${s}._honker_live
         WHERE id = $5::bigint AND worker_id = $3 AND claim_expires_at >= ${NOW}
         RETURNING id, queue, attempts),
       ${ACK_JOURNAL},
       ${claimCtes('1', '$4')}
       SELECT (SELECT coalesce(array_agg(id), '{}') FROM acked) AS acked, ${CLAIMED_JSON} AS claimed, ${LIMITS},
         ${eventWakes('ev_done', 'ev_stalled')}${WORKER_COMMIT}`,
    ),
    ackAndClaimOnly: pgStatement(
      'ack_and_claim_only',
      `WITH acked AS (
         DELETE FROM ${s}._honker_live
         WHERE id = ANY($6::bigint[]) AND worker_id = $3 AND claim_expires_at >= ${NOW}
         RETURNING id, queue, attempts),
       ${ACK_JOURNAL},
       ${CLAIM_CTES}
       SELECT (SELECT coalesce(array_agg(id), '{}') FROM acked) AS acked, ${CLAIMED_JSON} AS claimed, ${LIMITS},
         ${eventWakes('ev_done', 'ev_stalled')}${WORKER_COMMIT}`,
    ),
    /**
     * The claim of a limited queue, run after `lockQueue` in the same transaction so no other
     * claimer of the queue sees the same free slots ($2 queue, $3 worker, $4 limit, $5 visibility
     * timeout, $6 concurrency or NULL). Exhausted jobs are dead-lettered first, as in ackAndClaim.
     */
    claimCapped: pgStatement(
      'claim_capped',
      `WITH ${DEAD_LETTER_EXHAUSTED}
       ${claimCtes(`(SELECT greatest(0, least($4::bigint, coalesce($6::bigint - ${RUNNING_TOTAL}, $4::bigint))))`, '$5', '')}
       SELECT ${CLAIMED_JSON} AS claimed, ${eventWakes('ev_exhausted', 'ev_stalled')}`,
    ),
    /**
     * The same with a per-group limit $7 (SQLite's grouped claim is a round-robin, grouped-claim.ts): each group
     * offers at most $7 minus its running jobs, in claim order; picks are ordered by their rank in
     * their group first, so groups interleave.
     */
    claimGrouped: pgStatement(
      'claim_grouped',
      `WITH RECURSIVE ${DEAD_LETTER_EXHAUSTED}
       groups(g) AS (
         SELECT (SELECT group_key FROM ${s}._honker_live WHERE queue = $2 AND group_key IS NOT NULL ORDER BY group_key LIMIT 1)
         UNION ALL
         SELECT (SELECT group_key FROM ${s}._honker_live WHERE queue = $2 AND group_key > groups.g ORDER BY group_key LIMIT 1)
         FROM groups WHERE groups.g IS NOT NULL),
       running AS (
         SELECT group_key AS g, count(*) AS n FROM ${s}._honker_live
         WHERE queue = $2 AND state = 'processing' AND claim_expires_at >= ${NOW} GROUP BY group_key),
       candidates AS (
         SELECT c.* FROM groups CROSS JOIN LATERAL (
           SELECT id, queue, state, worker_id, attempts, group_key, priority, run_at FROM ${s}._honker_live
           WHERE queue = $2 AND group_key = groups.g AND state IN ('pending', 'processing') AND attempts < max_attempts AND ${DUE}
           ORDER BY priority DESC, run_at, id LIMIT least($7::bigint, $4::bigint)) AS c
         WHERE groups.g IS NOT NULL
         UNION ALL
         -- Jobs without a group have no index of their own: looked for among the first
         -- ${UNGROUPED_WINDOW} claimable jobs only (core's UNGROUPED_HEAD does the same).
         (SELECT * FROM (
            SELECT id, queue, state, worker_id, attempts, group_key, priority, run_at FROM ${s}._honker_live
            WHERE queue = $2 AND state IN ('pending', 'processing') AND attempts < max_attempts AND ${DUE}
            ORDER BY priority DESC, run_at, id LIMIT ${UNGROUPED_WINDOW}) AS w
          WHERE w.group_key IS NULL ORDER BY priority DESC, run_at, id LIMIT least($7::bigint, $4::bigint))),
       ranked AS (
         SELECT c.*, row_number() OVER (PARTITION BY c.group_key ORDER BY c.priority DESC, c.run_at, c.id) AS rank FROM candidates AS c),
       picked AS MATERIALIZED (
         SELECT id, queue, state, worker_id, attempts FROM ranked
         WHERE rank + coalesce((SELECT n FROM running WHERE running.g IS NOT DISTINCT FROM ranked.group_key), 0) <= $7
         ORDER BY rank, priority DESC, run_at, id
         LIMIT (SELECT greatest(0, least($4::bigint, coalesce($6::bigint - (SELECT coalesce(sum(n), 0) FROM running), $4::bigint))))),
       claimed AS (
         UPDATE ${s}._honker_live AS l
         SET state = 'processing', worker_id = $3, claim_expires_at = ${NOW} + $5::bigint, attempts = l.attempts + 1
         WHERE l.id = ANY(ARRAY(SELECT id FROM picked))
         RETURNING ${CLAIMED_RETURNING}),
       ${STALLED_EVENTS}
       SELECT (SELECT coalesce(json_agg(claimed ORDER BY rank_of.rank, claimed.priority DESC, claimed.run_at, claimed.id), '[]')
               FROM claimed JOIN ranked AS rank_of ON rank_of.id = claimed.id) AS claimed, ${eventWakes('ev_exhausted', 'ev_stalled')}`,
    ),
    /** $2 wake key. */
    wakeQueue: pgStatement('wake_queue', `SELECT pg_notify('${wake}', $2)::text AS woke`),
    /** $2 lock name: serialises the limited claims of one queue until the transaction ends. */
    lockQueue: pgStatement('lock_queue', `SELECT pg_advisory_xact_lock(hashtextextended($2, 0))`),
    /**
     * The same before the grouped claim, which it also keeps on its generic plan for this
     * transaction: planning that statement took twice its execution (3.3 ms against 1.6 ms), and
     * Postgres chose a custom plan again on every call.
     */
    lockQueueGeneric: pgStatement(
      'lock_queue_generic',
      `SELECT pg_advisory_xact_lock(hashtextextended($2, 0)), set_config('plan_cache_mode', 'force_generic_plan', true)`,
    ),
    /** $2 queue: its settings row, if any. */
    settings: pgStatement('queue_settings', `SELECT * FROM ${s}._honker_queues WHERE queue = $2`),
    /**
     * $2 queue, $3 paused or NULL, then each setting as (set?, value): $4/$5 concurrency, $6/$7
     * group concurrency, $8/$9/$10 keep completed (age, count), $11/$12/$13 keep failed, $14 events
     * or NULL, $15 wake key: consumers re-check (a resume or a raised limit frees claims).
     */
    updateSettings: pgStatement(
      'update_queue_settings',
      `WITH saved AS (
         INSERT INTO ${s}._honker_queues AS q
           (queue, paused, concurrency, group_concurrency, keep_completed_s, keep_completed_count, keep_failed_s, keep_failed_count, events)
         VALUES ($2, coalesce($3::bigint, 0), $5::bigint, $7::bigint, $9::bigint, $10::bigint, $12::bigint, $13::bigint, coalesce($14::bigint, 0))
         ON CONFLICT (queue) DO UPDATE SET
           paused = coalesce($3::bigint, q.paused),
           concurrency = CASE WHEN $4::boolean THEN $5::bigint ELSE q.concurrency END,
           group_concurrency = CASE WHEN $6::boolean THEN $7::bigint ELSE q.group_concurrency END,
           keep_completed_s = CASE WHEN $8::boolean THEN $9::bigint ELSE q.keep_completed_s END,
           keep_completed_count = CASE WHEN $8::boolean THEN $10::bigint ELSE q.keep_completed_count END,
           keep_failed_s = CASE WHEN $11::boolean THEN $12::bigint ELSE q.keep_failed_s END,
           keep_failed_count = CASE WHEN $11::boolean THEN $13::bigint ELSE q.keep_failed_count END,
           events = coalesce($14::bigint, q.events)
         RETURNING *)
       SELECT saved.*, pg_notify('${wake}', $15)::text AS woke FROM saved`,
    ),
    /** $2 ids, $3 worker. */
    ack: pgStatement(
      'ack_jobs',
      `WITH acked AS (
         DELETE FROM ${s}._honker_live WHERE id = ANY($2::bigint[]) AND worker_id = $3 AND claim_expires_at >= ${NOW}
         RETURNING id, queue, attempts),
       ${ACK_JOURNAL}
       SELECT (SELECT count(*) FROM acked) AS acked, ${eventWakes('ev_done')}`,
    ),
    /** $2 id, $3 worker, $4 result text, $5 ttl (0: kept until swept by hand), $6 result wake key. */
    ackWithResult: pgStatement(
      'ack_with_result',
      `WITH acked AS (
         DELETE FROM ${s}._honker_live WHERE id = $2 AND worker_id = $3 AND claim_expires_at >= ${NOW} RETURNING id, queue, attempts),
       ${historyCte('kept', 'acked', '$4')},
       ${eventsCte('ev_done', 'acked', 'completed', `json_build_object('attempts', a.attempts)`)},
       saved AS (
         INSERT INTO ${s}._honker_results (job_id, value, created_at, expires_at)
         SELECT id, $4, ${NOW}, CASE WHEN $5::bigint > 0 THEN ${NOW} + $5::bigint END FROM acked
         ON CONFLICT (job_id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         RETURNING job_id)
       SELECT (SELECT count(*) FROM acked) AS acked, (SELECT count(pg_notify('${wake}', $6)) FROM saved) AS woke, ${eventWakes('ev_done')}`,
    ),
    /** $2 id, $3 worker, $4 delay, $5 error, $6 queue wake key: pending again, or dead when attempts are used up. */
    retry: pgStatement(
      'retry_job',
      `WITH again AS (
         UPDATE ${s}._honker_live SET state = 'pending', run_at = ${NOW} + $4::bigint, worker_id = NULL, claim_expires_at = NULL
         WHERE ${OWNED} AND attempts < max_attempts
         RETURNING id, queue, run_at),
       taken AS (
         DELETE FROM ${s}._honker_live WHERE ${OWNED} AND attempts >= max_attempts RETURNING *),
       buried AS (
         INSERT INTO ${s}._honker_dead (${DEAD_COLUMNS})
         SELECT id, queue, payload, priority, run_at, attempts, max_attempts, $5, created_at, ${NOW} FROM taken
         RETURNING id),
       ${eventsCte('ev_retried', 'again', 'retried', `json_build_object('error', $5::text, 'runAt', a.run_at)`)},
       ${eventsCte('ev_failed', 'taken', 'failed', `json_build_object('error', $5::text, 'attempts', a.attempts)`)}
       SELECT (SELECT count(*) FROM again) + (SELECT count(*) FROM buried) AS done,
              (SELECT count(pg_notify('${wake}', $6)) FROM again) AS woke, ${eventWakes('ev_retried', 'ev_failed')}`,
    ),
    /** $2 id, $3 worker, $4 error. */
    fail: pgStatement(
      'fail_job',
      `WITH taken AS (DELETE FROM ${s}._honker_live WHERE ${OWNED} RETURNING *),
       buried AS (
         INSERT INTO ${s}._honker_dead (${DEAD_COLUMNS})
         SELECT id, queue, payload, priority, run_at, attempts, max_attempts, $4, created_at, ${NOW} FROM taken
         RETURNING id),
       ${eventsCte('ev_failed', 'taken', 'failed', `json_build_object('error', $4::text, 'attempts', a.attempts)`)}
       SELECT (SELECT count(*) FROM buried) AS done, ${eventWakes('ev_failed')}`,
    ),
    /** $2 id, $3 worker, $4 extend_s: the new expiry, or no row. */
    heartbeat: pgStatement(
      'heartbeat_job',
      `UPDATE ${s}._honker_live SET claim_expires_at = ${NOW} + $4::bigint WHERE ${OWNED} RETURNING claim_expires_at`,
    ),
    /** $2 id, $3 worker, $4 progress (JSON text). */
    progress: pgStatement(
      'set_progress',
      `WITH set AS (UPDATE ${s}._honker_live SET progress = $4 WHERE ${OWNED} RETURNING id, queue),
       ${eventsCte('ev_progress', 'set', 'progress', `json_build_object('progress', $4::json)`)}
       SELECT (SELECT count(*) FROM set) AS done, ${eventWakes('ev_progress')}`,
    ),
    /** $2 id, $3 worker, $4 queue wake key. */
    release: pgStatement(
      'release_job',
      `WITH back AS (
         UPDATE ${s}._honker_live SET state = 'pending', worker_id = NULL, claim_expires_at = NULL, attempts = greatest(attempts - 1, 0)
         WHERE ${OWNED} RETURNING id)
       SELECT count(*) AS released, count(pg_notify('${wake}', $4)) AS woke FROM back`,
    ),
    /**
     * $2 queue, $3 ids or NULL, $4 worker or NULL, $5 force, $6 wake key: the claimed jobs an
     * operator targets, and which of them were released (lapsed, or all with force).
     */
    releaseClaims: pgStatement(
      'release_claims',
      `WITH targeted AS (
         SELECT ${COLUMNS} FROM ${s}._honker_live
         WHERE queue = $2 AND state = 'processing' AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[])) AND ($4::text IS NULL OR worker_id = $4)
         FOR UPDATE),
       back AS (
         UPDATE ${s}._honker_live AS l SET state = 'pending', worker_id = NULL, claim_expires_at = NULL, attempts = greatest(l.attempts - 1, 0)
         FROM targeted t WHERE l.id = t.id AND ($5::boolean OR t.claim_expires_at < ${NOW})
         RETURNING l.id)
       SELECT t.*, (t.id IN (SELECT id FROM back)) AS released, (SELECT count(pg_notify('${wake}', $6)) FROM back) AS woke
       FROM targeted t ORDER BY t.id`,
    ),
    /** $2 queue or NULL, $3 state filter or NULL, $4 after id, $5 limit. */
    list: pgStatement(
      'list_live_jobs',
      `SELECT ${COLUMNS} FROM ${s}._honker_live
       WHERE ($2::text IS NULL OR queue = $2)
         AND ($3::text IS NULL
           OR ($3 = 'processing' AND state = 'processing')
           OR ($3 = 'pending' AND state = 'pending' AND run_at <= ${NOW})
           OR ($3 = 'delayed' AND state = 'pending' AND run_at > ${NOW}))
         AND id > $4
       ORDER BY id
       LIMIT $5`,
    ),
    cancel: pgStatement('cancel_job', `DELETE FROM ${s}._honker_live WHERE id = $2`),
    /** $2 id: the live row, else the dead one. */
    get: pgStatement(
      'get_job',
      `SELECT ${COLUMNS}, NULL AS last_error, NULL::bigint AS died_at, progress, unique_key, group_key FROM ${s}._honker_live WHERE id = $2
       UNION ALL
       SELECT id, queue, payload, 'dead', priority, run_at, NULL, NULL, attempts, max_attempts, created_at, NULL, last_error, died_at, NULL, NULL, NULL
       FROM ${s}._honker_dead WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM ${s}._honker_live WHERE id = $2)`,
    ),
    /** $2 queue. */
    sweepExpired: pgStatement(
      'sweep_expired',
      `WITH taken AS (
         DELETE FROM ${s}._honker_live WHERE queue = $2 AND expires_at <= ${NOW}
           AND (state = 'pending' OR (state = 'processing' AND claim_expires_at < ${NOW}))
         RETURNING *),
       buried AS (
         INSERT INTO ${s}._honker_dead (${DEAD_COLUMNS})
         SELECT id, queue, payload, priority, run_at, attempts, max_attempts, 'expired', created_at, ${NOW} FROM taken
         RETURNING id),
       ${eventsCte('ev_dead', 'taken', 'dead', `json_build_object('reason', 'expired', 'attempts', a.attempts)`)}
       SELECT (SELECT count(*) FROM buried) AS swept, ${eventWakes('ev_dead')}`,
    ),
    /**
     * $2 queue, $3 events kept (seconds): the queue's retention, as its settings say. A NULL
     * count must not reach OFFSET (OFFSET NULL is OFFSET 0), hence the guards.
     */
    pruneJournal: pgStatement(
      'prune_journal',
      `WITH q AS (SELECT * FROM ${s}._honker_queues WHERE queue = $2),
       history_age AS (
         DELETE FROM ${s}._honker_history AS h USING q
         WHERE h.queue = $2 AND q.keep_completed_s IS NOT NULL AND h.finished_at < ${NOW} - q.keep_completed_s RETURNING 1),
       history_count AS (
         DELETE FROM ${s}._honker_history WHERE queue = $2 AND state = 'completed' AND (SELECT keep_completed_count FROM q) IS NOT NULL
           AND id <= (SELECT id FROM ${s}._honker_history WHERE queue = $2 AND state = 'completed'
                      ORDER BY id DESC OFFSET (SELECT keep_completed_count FROM q) LIMIT 1) RETURNING 1),
       dead_age AS (
         DELETE FROM ${s}._honker_dead AS d USING q
         WHERE d.queue = $2 AND q.keep_failed_s IS NOT NULL AND d.died_at < ${NOW} - q.keep_failed_s RETURNING 1),
       dead_count AS (
         DELETE FROM ${s}._honker_dead WHERE queue = $2 AND (SELECT keep_failed_count FROM q) IS NOT NULL
           AND id <= (SELECT id FROM ${s}._honker_dead WHERE queue = $2 ORDER BY id DESC OFFSET (SELECT keep_failed_count FROM q) LIMIT 1) RETURNING 1),
       events_age AS (
         DELETE FROM ${s}._honker_events AS e USING q
         WHERE e.queue = $2 AND q.events <> 0 AND e.created_at < ${NOW} - $3::bigint RETURNING 1)
       SELECT (SELECT count(*) FROM history_age) + (SELECT count(*) FROM history_count) + (SELECT count(*) FROM dead_age)
         + (SELECT count(*) FROM dead_count) + (SELECT count(*) FROM events_age) AS pruned`,
    ),
    /** $2 queue, $3 after id, $4 limit: kept finished jobs in id order. */
    listHistory: pgStatement(
      'list_history',
      `SELECT id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, finished_at, last_error, result, progress, unique_key, group_key
       FROM ${s}._honker_history WHERE queue = $2 AND state = 'completed' AND id > $3 ORDER BY id LIMIT $4`,
    ),
    /** $2 id. */
    getHistory: pgStatement(
      'get_history',
      `SELECT id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, finished_at, last_error, result, progress, unique_key, group_key
       FROM ${s}._honker_history WHERE id = $2`,
    ),
    /** $2 queue, $3 after id, $4 limit. */
    listEvents: pgStatement(
      'list_events',
      `SELECT id, queue, job_id, kind, data, created_at FROM ${s}._honker_events WHERE queue = $2 AND id > $3 ORDER BY id LIMIT $4`,
    ),
    lastEventId: pgStatement('last_event_id', `SELECT coalesce(max(id), 0) AS id FROM ${s}._honker_events WHERE queue = $2`),
    /** $2 queue: the next moment a claim could succeed, and the server's time to measure it from. */
    nextClaimAt: pgStatement(
      'next_claim_at',
      `SELECT CASE WHEN EXISTS (SELECT 1 FROM ${s}._honker_queues WHERE queue = $2 AND paused <> 0) THEN NULL ELSE least(
         (SELECT min(run_at) FROM ${s}._honker_live
          WHERE queue = $2 AND state = 'pending' AND run_at > ${NOW} AND attempts < max_attempts AND (expires_at IS NULL OR expires_at > ${NOW})),
         (SELECT min(claim_expires_at) + 1 FROM ${s}._honker_live
          WHERE queue = $2 AND state = 'processing' AND claim_expires_at >= ${NOW} AND attempts < max_attempts AND (expires_at IS NULL OR expires_at > ${NOW}))
       ) END AS next_at, extract(epoch from statement_timestamp()) * 1000 AS server_ms`,
    ),
    /** $2 queue. */
    counts: pgStatement(
      'queue_counts',
      `SELECT
         (SELECT count(*) FROM ${s}._honker_live WHERE queue = $2 AND state = 'pending' AND run_at <= ${NOW}) AS pending,
         (SELECT count(*) FROM ${s}._honker_live WHERE queue = $2 AND state = 'pending' AND run_at > ${NOW}) AS delayed,
         (SELECT count(*) FROM ${s}._honker_live WHERE queue = $2 AND state = 'processing') AS processing,
         (SELECT count(*) FROM ${s}._honker_dead WHERE queue = $2) AS dead`,
    ),
    /** $2 queue, $3 after id, $4 limit. */
    listDead: pgStatement(
      'list_dead',
      `SELECT ${DEAD_COLUMNS} FROM ${s}._honker_dead WHERE queue = $2 AND id > $3 ORDER BY id LIMIT $4`,
    ),
    countDead: pgStatement('count_dead', `SELECT count(*) AS count FROM ${s}._honker_dead WHERE queue = $2`),
    /** $2 queue, $3 ids or NULL for all, $4 wake key: back to pending under the same id, attempts reset. */
    reviveDead: pgStatement(
      'revive_dead',
      `WITH gone AS (
         DELETE FROM ${s}._honker_dead AS d
         WHERE queue = $2 AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))
           AND NOT EXISTS (SELECT 1 FROM ${s}._honker_live AS live WHERE live.id = d.id)
         RETURNING *),
       back AS (
         INSERT INTO ${s}._honker_live (id, queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at)
         SELECT id, queue, payload, 'pending', priority, ${NOW}, 0, max_attempts, created_at, NULL FROM gone ORDER BY id
         RETURNING id)
       SELECT id, pg_notify('${wake}', $4)::text AS woke FROM back ORDER BY id`,
    ),
    /** $2 queue, $3 ids or NULL for all. */
    deleteDead: pgStatement(
      'delete_dead',
      `DELETE FROM ${s}._honker_dead WHERE queue = $2 AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[])) RETURNING id`,
    ),
  }
}

export type JobStatements = ReturnType<typeof jobStatements>
