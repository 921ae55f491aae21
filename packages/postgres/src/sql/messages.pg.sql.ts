import { NOW, pgStatement } from './statement.ts'

/**
 * Notifications and streams. The table holds the message and NOTIFY carries only a short wake
 * key, so a payload of any size works. Readers page with `id > last`, which is only safe if ids
 * of one channel (offsets of one topic) become visible in order: a transaction-scoped advisory
 * lock per channel or topic, taken before the identity is drawn, orders the writers until commit.
 */
export function messageStatements(s: string, wake: string) {
  const ORDERED = `(SELECT pg_advisory_xact_lock(hashtextextended($5, 0))) AS ordered`
  return {
    /** $2 channel, $3 payload, $4 wake key, $5 ordering lock name. */
    notify: pgStatement(
      'insert_notification',
      `INSERT INTO ${s}._honker_notifications (channel, payload, created_at)
       SELECT $2, $3, ${NOW} FROM ${ORDERED}
       RETURNING id, pg_notify('${wake}', $4)::text AS woke`,
    ),
    /** $2 channel. */
    lastNotificationId: pgStatement(
      'max_notification_id',
      `SELECT coalesce(max(id), 0) AS id FROM ${s}._honker_notifications WHERE channel = $2`,
    ),
    /** $2 channel, $3 after, $4 limit. */
    readNotifications: pgStatement(
      'read_notifications',
      `SELECT id, channel, payload, created_at FROM ${s}._honker_notifications
       WHERE channel = $2 AND id > $3 ORDER BY id LIMIT $4`,
    ),
    /** $2 older than seconds (or NULL), $3 newest rows to keep (or NULL). */
    pruneNotifications: pgStatement(
      'prune_notifications',
      `DELETE FROM ${s}._honker_notifications
       WHERE ($2::bigint IS NOT NULL AND created_at < ${NOW} - $2::bigint)
          OR ($3::bigint IS NOT NULL AND id <= (SELECT id FROM ${s}._honker_notifications ORDER BY id DESC LIMIT 1 OFFSET $3::bigint))`,
    ),
    /** $2 topic, $3 key, $4 payload, $6 wake key, $5 ordering lock name. */
    publish: pgStatement(
      'insert_stream_event',
      `INSERT INTO ${s}._honker_stream (topic, key, payload, created_at)
       SELECT $2, $3, $4, ${NOW} FROM ${ORDERED}
       RETURNING "offset", pg_notify('${wake}', $6)::text AS woke`,
    ),
    /** $2 topic, $3 after, $4 limit. */
    readEvents: pgStatement(
      'read_stream_events',
      `SELECT "offset", topic, key, payload, created_at FROM ${s}._honker_stream
       WHERE topic = $2 AND "offset" > $3 ORDER BY "offset" LIMIT $4`,
    ),
    /** $2 consumer, $3 topic, $4 offset: moves forward only; a row when it moved (rows, not a count: every ORM's raw query returns rows). */
    saveOffset: pgStatement(
      'save_stream_offset',
      `INSERT INTO ${s}._honker_stream_consumers AS c (name, topic, "offset") VALUES ($2, $3, $4)
       ON CONFLICT (name, topic) DO UPDATE SET "offset" = excluded."offset" WHERE excluded."offset" > c."offset"
       RETURNING true AS moved`,
    ),
    /** $2 consumer, $3 topic. */
    getOffset: pgStatement(
      'get_stream_offset',
      `SELECT coalesce(max("offset"), 0) AS "offset" FROM ${s}._honker_stream_consumers WHERE name = $2 AND topic = $3`,
    ),
  }
}

export type MessageStatements = ReturnType<typeof messageStatements>
