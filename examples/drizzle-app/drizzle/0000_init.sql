CREATE TABLE `emails` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`to` text NOT NULL,
	`subject` text NOT NULL,
	`sent_by` text NOT NULL,
	`attempt` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `emails_order_id_unique` ON `emails` (`order_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`customer` text NOT NULL,
	`email` text NOT NULL,
	`total_cents` integer NOT NULL,
	`status` text DEFAULT 'placed' NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_dead` (
	`id` integer PRIMARY KEY,
	`queue` text NOT NULL,
	`payload` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`run_at` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`died_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_live` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`queue` text NOT NULL,
	`payload` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`run_at` integer DEFAULT (unixepoch()) NOT NULL,
	`worker_id` text,
	`claim_expires_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 3 NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`expires_at` integer
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_live_claim` ON `_honker_live` (`queue`,"priority" DESC,`run_at`,`id`) WHERE state IN ('pending', 'processing');--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_live_pending_deadline` ON `_honker_live` (`queue`,`run_at`) WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_live_processing_deadline` ON `_honker_live` (`queue`,`claim_expires_at`) WHERE state = 'processing';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_live_exhausted` ON `_honker_live` (`queue`,`id`) WHERE attempts >= max_attempts;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_locks` (
	`name` text PRIMARY KEY,
	`owner` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel` text NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_notifications_recent` ON `_honker_notifications` (`channel`,`id`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_rate_limits` (
	`name` text NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`name`, `window_start`)
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_results` (
	`job_id` integer PRIMARY KEY,
	`value` text,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`expires_at` integer
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_scheduler_tasks` (
	`name` text PRIMARY KEY,
	`queue` text NOT NULL,
	`cron_expr` text NOT NULL,
	`payload` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`expires_s` integer,
	`next_fire_at` integer NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`max_attempts` integer DEFAULT 3 NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_stream` (
	`offset` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`topic` text NOT NULL,
	`key` text,
	`payload` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS `_honker_stream_topic` ON `_honker_stream` (`topic`,`offset`);--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `_honker_stream_consumers` (
	`name` text NOT NULL,
	`topic` text NOT NULL,
	`offset` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`name`, `topic`)
);
