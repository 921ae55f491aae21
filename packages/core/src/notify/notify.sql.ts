import { statement } from '../sql/statement.ts'

/**
 * Every statement of notify/listen (docs/compatibility.md 1.2 and 2.1). Rows are honker's: any binding's
 * `notify()` writes the same table, and a listener here reads them all. Times are whole seconds
 * passed in as `:now`, so the app's clock decides both `created_at` and the prune cut-off.
 */

/** One notification; a single statement, so it joins whatever transaction the executor is in. */
export const INSERT_NOTIFICATION = statement(
  'insert_notification',
  `INSERT INTO _honker_notifications (channel, payload, created_at)
   VALUES (:channel, :payload, :now)
   RETURNING id`,
)

/**
 * A listener's starting point: the newest id on its channel (honker's Python scope; Node and Go
 * snapshot the global max). A seek on `_honker_notifications_recent (channel, id)`.
 */
export const MAX_NOTIFICATION_ID = statement(
  'max_notification_id',
  `SELECT coalesce(max(id), 0) AS id FROM _honker_notifications WHERE channel = :channel`,
)

/**
 * One page of a channel after the last id delivered, oldest first: a range scan of
 * `_honker_notifications_recent` (named: statistics must not trade it for a rowid scan), never
 * the whole table. Ids become visible in increasing order
 * (one writer at a time), so `id > last` never skips a row that commits later.
 */
export const READ_NOTIFICATIONS = statement(
  'read_notifications',
  `SELECT id, channel, payload, created_at FROM _honker_notifications INDEXED BY _honker_notifications_recent
   WHERE channel = :channel AND id > :after
   ORDER BY id
   LIMIT :limit`,
)

/**
 * Age prune. The cut-off is computed inside the DELETE from `:now`, under the write lock, not read
 * first and applied later (honker #81: a row committed in between could be judged by a stale
 * cut-off). There is no index on created_at (honker's schema), so this scans the table.
 */
export const PRUNE_NOTIFICATIONS_OLDER_THAN = statement(
  'prune_notifications_older_than',
  `DELETE FROM _honker_notifications WHERE created_at < :now - :older_than_s`,
)

/**
 * Count prune, over all channels (honker's prune is global): keep the newest :max_keep ids. The
 * boundary is found by rank (the row :max_keep places below the newest) inside the DELETE, not
 * as `max(id) - N`, which keeps too few rows when ids have gaps (honker #86: rows deleted by an
 * earlier prune or by the app). With fewer than :max_keep + 1 rows the subquery is NULL and nothing goes.
 */
export const PRUNE_NOTIFICATIONS_KEEP_NEWEST = statement(
  'prune_notifications_keep_newest',
  `DELETE FROM _honker_notifications
   WHERE id <= (SELECT id FROM _honker_notifications ORDER BY id DESC LIMIT 1 OFFSET :max_keep)`,
)
