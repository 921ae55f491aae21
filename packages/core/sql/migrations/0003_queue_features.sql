-- 0003: storage for the queue features of docs/design/queue-features.md: unique jobs, groups,
-- progress and trace context on live jobs; per-queue settings (pause, limits, history, events);
-- job history; queue events. Only nullable columns that honker's statements never name, and new
-- tables, so honker's bindings keep enqueuing, claiming and acking on the file. An ADD COLUMN
-- whose column already exists (an ORM migration added it first) is skipped by the migrator.

ALTER TABLE _honker_live ADD COLUMN unique_key TEXT;
ALTER TABLE _honker_live ADD COLUMN group_key TEXT;
ALTER TABLE _honker_live ADD COLUMN progress TEXT;
ALTER TABLE _honker_live ADD COLUMN trace_context TEXT;

CREATE UNIQUE INDEX IF NOT EXISTS _honker_live_unique
  ON _honker_live(queue, unique_key)
  WHERE unique_key IS NOT NULL;

CREATE INDEX IF NOT EXISTS _honker_live_group
  ON _honker_live(queue, group_key, priority DESC, run_at, id)
  WHERE group_key IS NOT NULL;

-- A queue's dead letters by id: listing, counting and pruning them (keepFailed) without a scan of
-- every queue's dead letters. PostgreSQL's schema has had this index from its first migration.
CREATE INDEX IF NOT EXISTS _honker_dead_queue
  ON _honker_dead(queue, id);

CREATE TABLE IF NOT EXISTS _honker_queues (
  queue TEXT PRIMARY KEY,
  paused INTEGER NOT NULL DEFAULT 0,
  concurrency INTEGER,
  group_concurrency INTEGER,
  keep_completed_s INTEGER,
  keep_completed_count INTEGER,
  keep_failed_s INTEGER,
  keep_failed_count INTEGER,
  events INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS _honker_history (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  last_error TEXT,
  result TEXT,
  progress TEXT,
  unique_key TEXT,
  group_key TEXT,
  trace_context TEXT
);

CREATE INDEX IF NOT EXISTS _honker_history_state
  ON _honker_history(queue, state, id);

CREATE INDEX IF NOT EXISTS _honker_history_finished
  ON _honker_history(queue, finished_at);

CREATE TABLE IF NOT EXISTS _honker_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  job_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  data TEXT,
  created_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX IF NOT EXISTS _honker_events_queue
  ON _honker_events(queue, id);
