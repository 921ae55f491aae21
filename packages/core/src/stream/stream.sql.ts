import { statement } from '../sql/statement.ts'

/**
 * Every statement of durable streams (docs/compatibility.md 1.2 and 2.9): one log `_honker_stream` shared
 * by all topics (one AUTOINCREMENT sequence), and saved offsets in `_honker_stream_consumers`
 * keyed by (name = consumer, topic), the order honker's SQL functions and Python/Go use. honker's
 * Node wrapper swaps the two (8.4), so its saved offsets are invisible here, and ours to it.
 * `offset` is quoted: it is an SQL keyword.
 */

/** Append one event; a single statement, so it joins whatever transaction the executor is in. */
export const INSERT_EVENT = statement(
  'insert_stream_event',
  `INSERT INTO _honker_stream (topic, key, payload, created_at)
   VALUES (:topic, :key, :payload, :now)
   RETURNING "offset"`,
)

/**
 * One page of a topic after an offset, oldest first: a range scan of `_honker_stream_topic
 * (topic, offset)`, named so that statistics (an app's `ANALYZE` on a one-topic table prefers a
 * rowid scan, which walks every other topic's events) cannot change it. Offsets become visible
 * in increasing order (one writer at a time), so `offset > last` never skips an event that
 * commits later. The column order is StreamEventRow's: readers take rows as arrays.
 */
export const READ_EVENTS = statement(
  'read_stream_events',
  `SELECT "offset", topic, key, payload, created_at FROM _honker_stream INDEXED BY _honker_stream_topic
   WHERE topic = :topic AND "offset" > :after
   ORDER BY "offset"
   LIMIT :limit`,
)

/**
 * Monotonic save (honker_stream_save_offset): insert, or move forward only; a smaller or equal
 * offset changes nothing, so a slow or restarted consumer can never rewind another's progress.
 * `changes` is 1 iff the row changed.
 */
export const SAVE_OFFSET = statement(
  'save_stream_offset',
  `INSERT INTO _honker_stream_consumers (name, topic, "offset")
   VALUES (:consumer, :topic, :offset)
   ON CONFLICT (name, topic) DO UPDATE SET "offset" = excluded."offset"
   WHERE excluded."offset" > _honker_stream_consumers."offset"`,
)

/** A consumer's saved offset on a topic (no row: 0, i.e. from the beginning). */
export const GET_OFFSET = statement(
  'get_stream_offset',
  `SELECT coalesce(max("offset"), 0) AS "offset" FROM _honker_stream_consumers
   WHERE name = :consumer AND topic = :topic`,
)
