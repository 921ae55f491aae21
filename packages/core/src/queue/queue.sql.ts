import { statement } from '../sql/statement.ts'

/**
 * Every statement of the job queue. Semantics are honker 0.5's (docs/compatibility.md 2.3 and 2.12):
 * `>=` owns a claim, `<` reclaims it; attempts count claims; times are whole seconds passed in as
 * `:now` so one clock rules every comparison in a call.
 */

/** The job columns every reader gets back (LiveJobTuple's order), in one place so rows map the same everywhere. */
export const JOB_COLUMNS = `id, queue, payload, state, priority, run_at, worker_id, claim_expires_at,
  attempts, max_attempts, created_at, expires_at`

/** Insert one job; single statement so it is safe inside any ORM transaction. */
export const INSERT_JOB = statement(
  'insert_job',
  `INSERT INTO _honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at)
   VALUES (:queue, :payload, 'pending', :priority, :run_at, 0, :max_attempts, :now, :expires_at)
   RETURNING id`,
)

/**
 * Insert one job with a unique key or a group (migration 0003). Kept apart from INSERT_JOB so a
 * plain enqueue binds nothing more. With a key, a live job of the queue holding it makes the
 * insert do nothing and return no row.
 */
export const INSERT_KEYED_JOB = statement(
  'insert_keyed_job',
  `INSERT INTO _honker_live (queue, payload, state, priority, run_at, attempts, max_attempts, created_at, expires_at, unique_key, group_key)
   VALUES (:queue, :payload, 'pending', :priority, :run_at, 0, :max_attempts, :now, :expires_at, :unique_key, :group_key)
   ON CONFLICT (queue, unique_key) WHERE unique_key IS NOT NULL DO NOTHING
   RETURNING id`,
)

/** The live job holding a unique key, and whether it expired (then it only waits to be swept). */
export const GET_KEY_HOLDER = statement(
  'get_key_holder',
  `SELECT id, (expires_at IS NOT NULL AND expires_at <= :now
       AND (state = 'pending' OR (state = 'processing' AND claim_expires_at < :now))) AS expired
   FROM _honker_live WHERE queue = :queue AND unique_key = :unique_key`,
)

/** Take an expired key holder out of the live table, for the dead letters ('expired'). */
export const TAKE_JOB = statement('take_job', `DELETE FROM _honker_live WHERE id = :id RETURNING ${JOB_COLUMNS}`)

/**
 * Dead-letter step that runs before every claim: a claimable job whose attempts are used up (its
 * worker crashed on the last attempt) would otherwise be reclaimed forever. Without statistics the
 * planner prefers the deadline indexes and walks every due row (honker's O(backlog) claim), so the
 * partial index `_honker_live_exhausted` is named: the step is a seek over the few exhausted rows.
 */
export const TAKE_EXHAUSTED = statement(
  'take_exhausted',
  `DELETE FROM _honker_live INDEXED BY _honker_live_exhausted
   WHERE queue = :queue AND attempts >= max_attempts
     AND (expires_at IS NULL OR expires_at > :now)
     AND ((state = 'pending' AND run_at <= :now) OR (state = 'processing' AND claim_expires_at < :now))
   RETURNING ${JOB_COLUMNS}`,
)

/**
 * Whether TAKE_EXHAUSTED has anything to do: a read of the same partial index that stops at its
 * first row. Nearly every claim finds none, and this costs a quarter of the DELETE ... RETURNING.
 */
export const HAS_EXHAUSTED = statement(
  'has_exhausted',
  `SELECT 1 AS found FROM _honker_live INDEXED BY _honker_live_exhausted
   WHERE queue = :queue AND attempts >= max_attempts
     AND (expires_at IS NULL OR expires_at > :now)
     AND ((state = 'pending' AND run_at <= :now) OR (state = 'processing' AND claim_expires_at < :now))
   LIMIT 1`,
)

/**
 * What makes a job claimable, walked in claim order over `_honker_live_claim`, named with INDEXED BY
 * so statistics from an app's `ANALYZE` cannot move the claim to another index. `state IN (...)`
 * is repeated literally: the partial index is usable only when the query implies its WHERE
 * (pitfall 8.3.19). The walk stops at the limit.
 */
export const CLAIMABLE = `queue = :queue AND state IN ('pending', 'processing')
       AND attempts < max_attempts
       AND (expires_at IS NULL OR expires_at > :now)
       AND ((state = 'pending' AND run_at <= :now) OR (state = 'processing' AND claim_expires_at < :now))
     ORDER BY priority DESC, run_at ASC, id ASC
     LIMIT :limit`

/** A queue's settings row (migration 0003); no row means none of the features is in use. */
export const GET_QUEUE_SETTINGS = statement(
  'get_queue_settings',
  `SELECT paused, concurrency, group_concurrency, keep_completed_s, keep_completed_count, keep_failed_s, keep_failed_count, events
   FROM _honker_queues WHERE queue = :queue`,
)

/** Create or change a queue's settings row; NULL arguments leave a column as it is. */
export const UPSERT_QUEUE_SETTINGS = statement(
  'upsert_queue_settings',
  `INSERT INTO _honker_queues
     (queue, paused, concurrency, group_concurrency, keep_completed_s, keep_completed_count, keep_failed_s, keep_failed_count, events)
   VALUES (:queue, coalesce(:paused, 0), :concurrency, :group_concurrency,
     :keep_completed_s, :keep_completed_count, :keep_failed_s, :keep_failed_count, coalesce(:events, 0))
   ON CONFLICT (queue) DO UPDATE SET
     paused = coalesce(:paused, paused),
     concurrency = CASE WHEN :set_concurrency = 1 THEN :concurrency ELSE concurrency END,
     group_concurrency = CASE WHEN :set_group_concurrency = 1 THEN :group_concurrency ELSE group_concurrency END,
     keep_completed_s = CASE WHEN :set_keep_completed = 1 THEN :keep_completed_s ELSE keep_completed_s END,
     keep_completed_count = CASE WHEN :set_keep_completed = 1 THEN :keep_completed_count ELSE keep_completed_count END,
     keep_failed_s = CASE WHEN :set_keep_failed = 1 THEN :keep_failed_s ELSE keep_failed_s END,
     keep_failed_count = CASE WHEN :set_keep_failed = 1 THEN :keep_failed_count ELSE keep_failed_count END,
     events = coalesce(:events, events)`,
)

/** Jobs of a queue whose claim is live: what a concurrency limit counts (the processing-deadline index). */
export const COUNT_RUNNING = statement(
  'count_running',
  `SELECT count(*) AS running FROM _honker_live
   WHERE queue = :queue AND state = 'processing' AND claim_expires_at >= :now`,
)

/** How far a grouped claim looks for jobs without a group (see grouped-claim.ts). */
export const UNGROUPED_WINDOW = 100

/** The first group of a queue after `:after` in key order (NULL `:after`: the first group). */
export const NEXT_GROUP = statement(
  'next_group',
  `SELECT group_key FROM _honker_live INDEXED BY _honker_live_group
   WHERE queue = :queue AND group_key > coalesce(:after, '') ORDER BY group_key LIMIT 1`,
)

/** Live claims per group of a queue: what a per-group limit counts (processing rows are few). */
export const RUNNING_BY_GROUP = statement(
  'running_by_group',
  `SELECT group_key, count(*) AS n FROM _honker_live
   WHERE queue = :queue AND state = 'processing' AND claim_expires_at >= :now GROUP BY group_key`,
)

/** The first claimable jobs of one group, in claim order, over `_honker_live_group`. */
export const GROUP_HEAD = statement(
  'group_head',
  `SELECT ${JOB_COLUMNS} FROM _honker_live INDEXED BY _honker_live_group
   WHERE ${CLAIMABLE.replace('queue = :queue AND', 'queue = :queue AND group_key = :group AND')}`,
)

/**
 * The first claimable jobs without a group. They have no index of their own (one would cost every
 * plain queue a second claim index), so they are looked for among the first UNGROUPED_WINDOW
 * claimable jobs only: in a queue with a group limit, give every job a group.
 */
export const UNGROUPED_HEAD = statement(
  'ungrouped_head',
  `SELECT ${JOB_COLUMNS} FROM (
     SELECT ${JOB_COLUMNS}, group_key FROM _honker_live INDEXED BY _honker_live_claim
     WHERE ${CLAIMABLE.replace('LIMIT :limit', `LIMIT ${UNGROUPED_WINDOW}`)})
   WHERE group_key IS NULL LIMIT :limit`,
)

/** What a claim does to each job it takes (docs/compatibility.md 2.3: a claim counts an attempt). */
const MARK_AS_CLAIMED = `UPDATE _honker_live
   SET state = 'processing', worker_id = :worker_id, claim_expires_at = :claim_expires_at, attempts = attempts + 1`

/**
 * Claim up to :limit jobs in one statement (the form the loadable SQL functions use). Core's own
 * claim is SELECT_CLAIMABLE then MARK_CLAIMED in the same write transaction: RETURNING buffers its
 * rows in a temp table, which made this form 40% slower for a single job from JavaScript.
 */
export const CLAIM_JOBS = statement(
  'claim_jobs',
  `${MARK_AS_CLAIMED}
   WHERE id IN (
     SELECT id FROM _honker_live INDEXED BY _honker_live_claim
     WHERE ${CLAIMABLE}
   )
   RETURNING ${JOB_COLUMNS}`,
)

/** The jobs a claim takes, in claim order (run inside the claim's write transaction; read as LiveJobTuple). */
export const SELECT_CLAIMABLE = statement(
  'select_claimable',
  `SELECT ${JOB_COLUMNS} FROM _honker_live INDEXED BY _honker_live_claim
   WHERE ${CLAIMABLE}`,
)

/** Mark one selected job claimed; the caller applies the same change to the row it holds. */
export const MARK_CLAIMED = statement(
  'mark_claimed',
  `${MARK_AS_CLAIMED}
   WHERE id = :id`,
)

/** Mark many selected jobs claimed; `:ids` is a JSON array. */
export const MARK_MANY_CLAIMED = statement(
  'mark_many_claimed',
  `${MARK_AS_CLAIMED}
   WHERE id IN (SELECT value FROM json_each(:ids))`,
)

/** Finish a job: delete it iff this worker still owns an unexpired claim. */
export const ACK_JOB = statement(
  'ack_job',
  `DELETE FROM _honker_live WHERE id = :id AND worker_id = :worker_id AND claim_expires_at >= :now`,
)

/** Finish many jobs at once; `:ids` is a JSON array. Returns the count through `changes`. */
export const ACK_JOBS = statement(
  'ack_jobs',
  `DELETE FROM _honker_live
   WHERE id IN (SELECT value FROM json_each(:ids)) AND worker_id = :worker_id AND claim_expires_at >= :now`,
)

/** Retry with attempts left: back to pending after a delay; attempts stay as counted by the claim. */
export const RETRY_JOB = statement(
  'retry_job',
  `UPDATE _honker_live
   SET state = 'pending', run_at = :run_at, worker_id = NULL, claim_expires_at = NULL
   WHERE id = :id AND worker_id = :worker_id AND state = 'processing' AND claim_expires_at >= :now
     AND attempts < max_attempts`,
)

/** Take an owned job out of the live table (fail, or retry with no attempts left). */
export const TAKE_OWNED_JOB = statement(
  'take_owned_job',
  `DELETE FROM _honker_live
   WHERE id = :id AND worker_id = :worker_id AND state = 'processing' AND claim_expires_at >= :now
   RETURNING ${JOB_COLUMNS}`,
)

/** Record a terminal job; the id is the one it had in `_honker_live`. */
export const INSERT_DEAD = statement(
  'insert_dead',
  `INSERT INTO _honker_dead (id, queue, payload, priority, run_at, attempts, max_attempts, last_error, created_at, died_at)
   VALUES (:id, :queue, :payload, :priority, :run_at, :attempts, :max_attempts, :last_error, :created_at, :now)`,
)

/** Extend an owned claim to now + :extend_s (absolute); a lapsed claim cannot be taken back. */
export const HEARTBEAT_JOB = statement(
  'heartbeat_job',
  `UPDATE _honker_live SET claim_expires_at = :claim_expires_at
   WHERE id = :id AND worker_id = :worker_id AND state = 'processing' AND claim_expires_at >= :now`,
)

/**
 * What giving a claim back does: pending again, no owner, and the interrupted attempt not counted
 * (the claim counted it). The job keeps its run_at, so it goes back to its place in the queue.
 */
const RELEASE_CLAIM = `UPDATE _honker_live
   SET state = 'pending', worker_id = NULL, claim_expires_at = NULL, attempts = max(attempts - 1, 0)`

/** Hand an owned job back (graceful shutdown). */
export const RELEASE_JOB = statement(
  'release_job',
  `${RELEASE_CLAIM}
   WHERE id = :id AND worker_id = :worker_id AND state = 'processing' AND claim_expires_at >= :now`,
)

/**
 * Which claimed jobs of a queue an operator's release targets: `:ids` (a JSON array) or NULL for
 * any id, `:worker_id` or NULL for any worker. Read before RELEASE_CLAIMS, in the same transaction,
 * to tell the jobs whose claim is still live (their worker may be running them) from the rest.
 */
const CLAIMED_BY = `queue = :queue AND state = 'processing'
     AND (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids)))
     AND (:worker_id IS NULL OR worker_id = :worker_id)`

export const SELECT_CLAIMED = statement(
  'select_claimed',
  `SELECT ${JOB_COLUMNS} FROM _honker_live
   WHERE ${CLAIMED_BY}
   ORDER BY id`,
)

/**
 * Release claimed jobs whatever their owner, as RELEASE_JOB does for its own: only lapsed claims
 * (`claim_expires_at < :now`, reclaimable anyway) unless `:force` is 1.
 */
export const RELEASE_CLAIMS = statement(
  'release_claims',
  `${RELEASE_CLAIM}
   WHERE ${CLAIMED_BY}
     AND (:force = 1 OR claim_expires_at < :now)
   RETURNING id`,
)

/**
 * A page of live jobs in id order, for an operator's listing: `:queue` NULL for every queue,
 * `:state` NULL for every state, else 'pending' (due now), 'delayed' (pending, run_at in the
 * future) or 'processing'.
 */
export const LIST_LIVE_JOBS = statement(
  'list_live_jobs',
  `SELECT ${JOB_COLUMNS} FROM _honker_live
   WHERE (:queue IS NULL OR queue = :queue)
     AND (:state IS NULL
       OR (:state = 'processing' AND state = 'processing')
       OR (:state = 'pending' AND state = 'pending' AND run_at <= :now)
       OR (:state = 'delayed' AND state = 'pending' AND run_at > :now))
     AND id > :after_id
   ORDER BY id
   LIMIT :limit`,
)

/** Delete a live job whatever its owner; no dead row (honker_cancel). */
export const CANCEL_JOB = statement('cancel_job', `DELETE FROM _honker_live WHERE id = :id`)

export const GET_LIVE_JOB = statement(
  'get_live_job',
  `SELECT ${JOB_COLUMNS}, progress, unique_key, group_key FROM _honker_live WHERE id = :id`,
)

/** A job's progress, written only while this worker owns an unexpired claim. */
export const SET_PROGRESS = statement(
  'set_progress',
  `UPDATE _honker_live SET progress = :progress
   WHERE id = :id AND worker_id = :worker_id AND state = 'processing' AND claim_expires_at >= :now`,
)

export const GET_DEAD_JOB = statement(
  'get_dead_job',
  `SELECT id, queue, payload, priority, run_at, attempts, max_attempts, last_error, created_at, died_at
   FROM _honker_dead WHERE id = :id`,
)

/**
 * Expired jobs that can no longer run: pending past `expires_at`, and (closing honker's gap 2.12)
 * processing rows whose claim lapsed after `expires_at` passed, which honker leaves in
 * `_honker_live` forever.
 */
export const TAKE_EXPIRED = statement(
  'take_expired',
  `DELETE FROM _honker_live
   WHERE queue = :queue AND expires_at <= :now
     AND (state = 'pending' OR (state = 'processing' AND claim_expires_at < :now))
   RETURNING ${JOB_COLUMNS}`,
)

/**
 * The earliest future moment a claim could succeed: the next delayed job, or one second after the
 * earliest claim expiry (a claim is owned while `claim_expires_at >= now`, so it is reclaimable at
 * +1). Each half is an ordered index walk that stops at its first row.
 */
export const NEXT_CLAIM_AT = statement(
  'next_claim_at',
  `SELECT min(at) AS next_at FROM (
     SELECT * FROM (
       SELECT run_at AS at FROM _honker_live
       WHERE queue = :queue AND state = 'pending' AND run_at > :now
         AND attempts < max_attempts AND (expires_at IS NULL OR expires_at > :now)
       ORDER BY run_at LIMIT 1)
     UNION ALL
     SELECT * FROM (
       SELECT claim_expires_at + 1 AS at FROM _honker_live
       WHERE queue = :queue AND state = 'processing' AND claim_expires_at >= :now
         AND attempts < max_attempts AND (expires_at IS NULL OR expires_at > :now)
       ORDER BY claim_expires_at LIMIT 1))`,
)

/** Counts by state for one queue (status and tests). */
export const QUEUE_COUNTS = statement(
  'queue_counts',
  `SELECT
     (SELECT count(*) FROM _honker_live WHERE queue = :queue AND state = 'pending' AND run_at <= :now) AS pending,
     (SELECT count(*) FROM _honker_live WHERE queue = :queue AND state = 'pending' AND run_at > :now) AS delayed,
     (SELECT count(*) FROM _honker_live WHERE queue = :queue AND state = 'processing') AS processing,
     (SELECT count(*) FROM _honker_dead WHERE queue = :queue) AS dead`,
)
