import { statement } from '../sql/statement.ts'

/**
 * Read-only queries for an operator's reports (`honker status`, the worker's progress line, where
 * `honker tail` starts): they run on a read-only connection of any driver, so they never take the
 * write lock or migrate the file. They read honker 0.5's tables as every binding writes them
 * (docs/compatibility.md 1.2), with whole-second times compared against `:now`. A reader checks
 * TABLE_NAMES first: a file from an older honker, or one that never used a feature, lacks some
 * of the tables these read.
 */

/** The tables in the file, to report only on what exists. */
export const TABLE_NAMES = statement('table_names', `SELECT name FROM sqlite_master WHERE type = 'table'`)

/** Per-queue job counts and the oldest due pending job, in one pass over `_honker_live`. */
export const QUEUE_STATS = statement(
  'queue_stats',
  `SELECT queue,
     sum(state = 'pending' AND run_at <= :now) AS pending,
     sum(state = 'pending' AND run_at > :now) AS delayed,
     sum(state = 'processing') AS processing,
     min(CASE WHEN state = 'pending' AND run_at <= :now THEN run_at END) AS oldest_run_at
   FROM _honker_live
   GROUP BY queue`,
)

/** Dead-letter counts per queue. */
export const DEAD_COUNTS = statement('dead_counts', `SELECT queue, count(*) AS dead FROM _honker_dead GROUP BY queue`)

/** Each topic's event count and last offset: a walk of the `(topic, offset)` index. */
export const TOPIC_STATS = statement(
  'topic_stats',
  `SELECT topic, count(*) AS events, max("offset") AS last_offset
   FROM _honker_stream
   GROUP BY topic`,
)

/** Every saved consumer offset, keyed (name = consumer, topic) like honker's SQL functions. */
export const STREAM_CONSUMERS = statement(
  'stream_consumers',
  `SELECT name, topic, "offset" FROM _honker_stream_consumers ORDER BY topic, name`,
)

/**
 * Events a consumer has not read yet. Offsets come from one sequence shared by all topics, so
 * `last_offset - offset` overstates the backlog when topics interleave; this counts the topic's
 * events after the saved offset instead, a range scan of `(topic, offset)` as long as the lag.
 */
export const CONSUMER_LAG = statement(
  'consumer_lag',
  `SELECT count(*) AS lag FROM _honker_stream WHERE topic = :topic AND "offset" > :offset`,
)

/** A topic's last offset (0 when it has no events): where a tail that only wants new events starts. */
export const STREAM_LAST_OFFSET = statement(
  'stream_last_offset',
  `SELECT coalesce(max("offset"), 0) AS last_offset FROM _honker_stream WHERE topic = :topic`,
)

/**
 * Every column of every schedule: `enabled` and `max_attempts` were added to honker's table by
 * later migrations, so a reader of an older file checks which came back.
 */
export const SCHEDULE_ROWS = statement('schedule_rows', `SELECT * FROM _honker_scheduler_tasks ORDER BY name`)

/**
 * A queue's oldest due pending job: a seek on honker's `_honker_live_pending_deadline (queue,
 * run_at) WHERE state = 'pending'` index, cheap enough for a progress line redrawn twice a second.
 */
export const OLDEST_PENDING = statement(
  'oldest_pending',
  `SELECT min(run_at) AS oldest FROM _honker_live
   WHERE queue = :queue AND state = 'pending' AND run_at <= :now`,
)
