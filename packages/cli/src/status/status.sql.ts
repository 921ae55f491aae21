/**
 * Read-only queries behind `honker status`, run on a read-only connection so they never take the
 * write lock or migrate the file. They read honker 0.5's tables as every binding writes them
 * (docs/compatibility.md 1.2), with whole-second times compared against `:now`.
 */

/** Per-queue job counts and the oldest due pending job, in one pass over `_honker_live`. */
export const QUEUE_STATS = `
  SELECT queue,
    sum(state = 'pending' AND run_at <= :now) AS pending,
    sum(state = 'pending' AND run_at > :now) AS delayed,
    sum(state = 'processing') AS processing,
    min(CASE WHEN state = 'pending' AND run_at <= :now THEN run_at END) AS oldest_run_at
  FROM _honker_live
  GROUP BY queue`

/** Dead-letter counts per queue. */
export const DEAD_COUNTS = `SELECT queue, count(*) AS dead FROM _honker_dead GROUP BY queue`

/** Each topic's event count and last offset: a walk of the `(topic, offset)` index. */
export const TOPIC_STATS = `
  SELECT topic, count(*) AS events, max("offset") AS last_offset
  FROM _honker_stream
  GROUP BY topic`

/** Saved consumer offsets, keyed (name = consumer, topic) like honker's SQL functions. */
export const CONSUMERS = `SELECT name, topic, "offset" FROM _honker_stream_consumers ORDER BY topic, name`

/**
 * Events a consumer has not read yet. Offsets come from one sequence shared by all topics, so
 * `last_offset - offset` overstates the backlog when topics interleave; this counts the topic's
 * events after the saved offset instead, a range scan of `(topic, offset)` as long as the lag.
 */
export const CONSUMER_LAG = `SELECT count(*) AS lag FROM _honker_stream WHERE topic = :topic AND "offset" > :offset`

/** Every column: `enabled` and `max_attempts` were added to honker's table by later migrations. */
export const SCHEDULES = `SELECT * FROM _honker_scheduler_tasks ORDER BY name`

/** The scheduler's leader lease (the lock every binding's scheduler loop elects with). */
export const SCHEDULER_LEADER = `SELECT owner, expires_at FROM _honker_locks WHERE name = :name`
