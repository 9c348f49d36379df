PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_claude_sessions` (
	`id` text NOT NULL,
	`org` text NOT NULL,
	`first_seen_at` text NOT NULL,
	`last_seen_at` text NOT NULL,
	`app_version` text,
	`terminal_type` text,
	`user_email` text,
	`user_account_uuid` text,
	`user_id` text,
	`organization_id` text,
	`github_login` text,
	`cwd` text,
	`attributes` text,
	PRIMARY KEY(`org`, `id`)
);
--> statement-breakpoint
INSERT INTO `__new_claude_sessions`("id", "org", "first_seen_at", "last_seen_at", "app_version", "terminal_type", "user_email", "user_account_uuid", "user_id", "organization_id", "github_login", "cwd", "attributes") SELECT "id", "org", "first_seen_at", "last_seen_at", "app_version", "terminal_type", "user_email", "user_account_uuid", "user_id", "organization_id", "github_login", "cwd", "attributes" FROM `claude_sessions`;--> statement-breakpoint
DROP TABLE `claude_sessions`;--> statement-breakpoint
ALTER TABLE `__new_claude_sessions` RENAME TO `claude_sessions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `claude_sessions_user_email_idx` ON `claude_sessions` (`user_email`);--> statement-breakpoint
CREATE TABLE `__new_hook_calls` (
	`org` text NOT NULL,
	`tool_use_id` text NOT NULL,
	`session_id` text NOT NULL,
	`tool_name` text NOT NULL,
	`received_at` text NOT NULL,
	PRIMARY KEY(`org`, `tool_use_id`)
);
--> statement-breakpoint
INSERT INTO `__new_hook_calls`("org", "tool_use_id", "session_id", "tool_name", "received_at") SELECT coalesce((SELECT s.`org` FROM `claude_sessions` s WHERE s.`id` = h.`session_id` ORDER BY s.`org` LIMIT 1), ''), h.`tool_use_id`, h.`session_id`, h.`tool_name`, h.`received_at` FROM `hook_calls` h;--> statement-breakpoint
DROP TABLE `hook_calls`;--> statement-breakpoint
ALTER TABLE `__new_hook_calls` RENAME TO `hook_calls`;--> statement-breakpoint
CREATE INDEX `hook_calls_received_at_idx` ON `hook_calls` (`received_at`);--> statement-breakpoint
CREATE TABLE `__new_otlp_exports` (
	`body_hash` text NOT NULL,
	`signal` text NOT NULL,
	`org` text NOT NULL,
	`received_at` text NOT NULL,
	PRIMARY KEY(`org`, `body_hash`)
);
--> statement-breakpoint
INSERT INTO `__new_otlp_exports`("body_hash", "signal", "org", "received_at") SELECT "body_hash", "signal", "org", "received_at" FROM `otlp_exports`;--> statement-breakpoint
DROP TABLE `otlp_exports`;--> statement-breakpoint
ALTER TABLE `__new_otlp_exports` RENAME TO `otlp_exports`;--> statement-breakpoint
CREATE INDEX `otlp_exports_received_at_idx` ON `otlp_exports` (`received_at`);--> statement-breakpoint
ALTER TABLE `api_requests_daily` ADD `cost_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_model_usage` ADD `cost_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_org_metrics` ADD `cost_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_repository_metrics` ADD `cost_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `daily_user_metrics` ADD `cost_micro_usd` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TABLE `__new_session_commits` (
	`session_id` text NOT NULL,
	`sha` text NOT NULL,
	`org` text NOT NULL,
	`source` text NOT NULL,
	`seen_at` text NOT NULL,
	PRIMARY KEY(`org`, `session_id`, `sha`)
);
--> statement-breakpoint
INSERT INTO `__new_session_commits`("session_id", "sha", "org", "source", "seen_at") SELECT "session_id", "sha", "org", "source", "seen_at" FROM `session_commits`;--> statement-breakpoint
DROP TABLE `session_commits`;--> statement-breakpoint
ALTER TABLE `__new_session_commits` RENAME TO `session_commits`;--> statement-breakpoint
CREATE INDEX `session_commits_sha_idx` ON `session_commits` (`sha`);--> statement-breakpoint
CREATE TABLE `__new_session_line_fingerprints` (
	`session_id` text NOT NULL,
	`path` text NOT NULL,
	`fingerprint` integer NOT NULL,
	`occurrences` integer NOT NULL,
	`org` text NOT NULL,
	`first_written_at` text NOT NULL,
	PRIMARY KEY(`org`, `session_id`, `path`, `fingerprint`)
);
--> statement-breakpoint
INSERT INTO `__new_session_line_fingerprints`("session_id", "path", "fingerprint", "occurrences", "org", "first_written_at") SELECT "session_id", "path", "fingerprint", "occurrences", "org", "first_written_at" FROM `session_line_fingerprints`;--> statement-breakpoint
DROP TABLE `session_line_fingerprints`;--> statement-breakpoint
ALTER TABLE `__new_session_line_fingerprints` RENAME TO `session_line_fingerprints`;--> statement-breakpoint
CREATE TABLE `__new_session_pull_requests` (
	`session_id` text NOT NULL,
	`repository` text NOT NULL,
	`number` integer NOT NULL,
	`org` text NOT NULL,
	`url` text NOT NULL,
	`seen_at` text NOT NULL,
	PRIMARY KEY(`org`, `session_id`, `repository`, `number`)
);
--> statement-breakpoint
INSERT INTO `__new_session_pull_requests`("session_id", "repository", "number", "org", "url", "seen_at") SELECT "session_id", "repository", "number", "org", "url", "seen_at" FROM `session_pull_requests`;--> statement-breakpoint
DROP TABLE `session_pull_requests`;--> statement-breakpoint
ALTER TABLE `__new_session_pull_requests` RENAME TO `session_pull_requests`;--> statement-breakpoint
CREATE INDEX `session_pull_requests_repository_number_idx` ON `session_pull_requests` (`repository`,`number`);--> statement-breakpoint
UPDATE `api_requests_daily` SET `cost_micro_usd` = CAST(round(`cost_usd` * 1000000) AS INTEGER);--> statement-breakpoint
UPDATE `daily_model_usage` SET `cost_micro_usd` = CAST(round(`cost_usd` * 1000000) AS INTEGER);--> statement-breakpoint
UPDATE `daily_org_metrics` SET `cost_micro_usd` = CAST(round(`cost_usd` * 1000000) AS INTEGER);--> statement-breakpoint
UPDATE `daily_repository_metrics` SET `cost_micro_usd` = CAST(round(`cost_usd` * 1000000) AS INTEGER);--> statement-breakpoint
UPDATE `daily_user_metrics` SET `cost_micro_usd` = CAST(round(`cost_usd` * 1000000) AS INTEGER);--> statement-breakpoint
UPDATE `telemetry_daily` SET `metric` = 'cost_micro_usd', `value` = round(`value` * 1000000) WHERE `metric` = 'cost_usd';
