/**
 * What @honker/core adds to honker 0.5.1's schema, for the tests that compare a file with honker's
 * own: whole objects of ours (honker ignores them) and the nullable columns migration 0003 appends
 * to `_honker_live` (honker's statements name their columns, so they never see them).
 */
export const OUR_OBJECTS = [
  '_honker_dead_queue',
  '_honker_events',
  '_honker_events_queue',
  '_honker_history',
  '_honker_history_finished',
  '_honker_history_state',
  '_honker_live_exhausted',
  '_honker_live_group',
  '_honker_live_unique',
  '_honker_queues',
  '_honker_ts_migrations',
  'sqlite_autoindex__honker_queues_1',
]

const ADDED_LIVE_COLUMNS = ', unique_key TEXT, group_key TEXT, progress TEXT, trace_context TEXT)'

interface SchemaRow {
  name: string
  sql: string | null
}

/** honker's rows as they read after our migrations: `_honker_live` with the added columns. */
export function honkerRowsAfterMigration<Row extends SchemaRow>(honkerRows: readonly Row[]): Row[] {
  return honkerRows.map((row) =>
    row.name === '_honker_live' && row.sql !== null ? { ...row, sql: row.sql.replace(/\)$/, ADDED_LIVE_COLUMNS) } : row,
  )
}
