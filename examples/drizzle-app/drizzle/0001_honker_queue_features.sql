CREATE TABLE IF NOT EXISTS `_honker_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`queue` text NOT NULL,
	`job_id` integer NOT NULL,
	`kind` text NOT NULL,
	`data` text,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_events_queue` ON `_honker_events` (`queue`,`id`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_history` (
	`id` integer PRIMARY KEY,
	`queue` text NOT NULL,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`run_at` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`last_error` text,
	`result` text,
	`progress` text,
	`unique_key` text,
	`group_key` text,
	`trace_context` text
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_history_state` ON `_honker_history` (`queue`,`state`,`id`);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_history_finished` ON `_honker_history` (`queue`,`finished_at`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_queues` (
	`queue` text PRIMARY KEY,
	`paused` integer DEFAULT 0 NOT NULL,
	`concurrency` integer,
	`group_concurrency` integer,
	`keep_completed_s` integer,
	`keep_completed_count` integer,
	`keep_failed_s` integer,
	`keep_failed_count` integer,
	`events` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `_honker_live` ADD `unique_key` text;--> statement-breakpoint
ALTER TABLE `_honker_live` ADD `group_key` text;--> statement-breakpoint
ALTER TABLE `_honker_live` ADD `progress` text;--> statement-breakpoint
ALTER TABLE `_honker_live` ADD `trace_context` text;--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS `_honker_live_unique` ON `_honker_live` (`queue`,`unique_key`) WHERE unique_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_live_group` ON `_honker_live` (`queue`,`group_key`,"priority" DESC,`run_at`,`id`) WHERE group_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_dead_queue` ON `_honker_dead` (`queue`,`id`);