CREATE TABLE `api_requests_daily` (
	`org` text NOT NULL,
	`day` text NOT NULL,
	`session_id` text NOT NULL,
	`model` text NOT NULL,
	`requests` integer NOT NULL,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`cache_read_tokens` integer NOT NULL,
	`cache_creation_tokens` integer NOT NULL,
	`cost_usd` real NOT NULL,
	PRIMARY KEY(`org`, `day`, `session_id`, `model`)
);
--> statement-breakpoint
CREATE INDEX `api_requests_daily_session_id_idx` ON `api_requests_daily` (`session_id`);--> statement-breakpoint
CREATE TABLE `claude_sessions` (
	`id` text PRIMARY KEY NOT NULL,
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
	`attributes` text
);
--> statement-breakpoint
CREATE INDEX `claude_sessions_org_idx` ON `claude_sessions` (`org`);--> statement-breakpoint
CREATE INDEX `claude_sessions_user_email_idx` ON `claude_sessions` (`user_email`);--> statement-breakpoint
CREATE TABLE `cumulative_series` (
	`series_key` text PRIMARY KEY NOT NULL,
	`start_time_unix_nano` text NOT NULL,
	`time_unix_nano` text NOT NULL,
	`value` real NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `hook_calls` (
	`tool_use_id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`tool_name` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `hook_calls_received_at_idx` ON `hook_calls` (`received_at`);--> statement-breakpoint
CREATE TABLE `identity_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org` text NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`github_login` text NOT NULL,
	`source` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_links_org_kind_value_source_idx` ON `identity_links` (`org`,`kind`,`value`,`source`);--> statement-breakpoint
CREATE INDEX `identity_links_org_github_login_idx` ON `identity_links` (`org`,`github_login`);--> statement-breakpoint
CREATE TABLE `ingest_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`org` text NOT NULL,
	`github_login` text,
	`token_hash` text NOT NULL,
	`token_prefix` text NOT NULL,
	`created_at` text NOT NULL,
	`revoked_at` text,
	`last_used_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ingest_tokens_token_hash_idx` ON `ingest_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `ingest_tokens_org_idx` ON `ingest_tokens` (`org`);--> statement-breakpoint
CREATE TABLE `otlp_exports` (
	`body_hash` text PRIMARY KEY NOT NULL,
	`signal` text NOT NULL,
	`org` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `otlp_exports_received_at_idx` ON `otlp_exports` (`received_at`);--> statement-breakpoint
CREATE TABLE `session_commits` (
	`session_id` text NOT NULL,
	`sha` text NOT NULL,
	`org` text NOT NULL,
	`source` text NOT NULL,
	`seen_at` text NOT NULL,
	PRIMARY KEY(`session_id`, `sha`)
);
--> statement-breakpoint
CREATE INDEX `session_commits_sha_idx` ON `session_commits` (`sha`);--> statement-breakpoint
CREATE TABLE `session_line_fingerprints` (
	`session_id` text NOT NULL,
	`path` text NOT NULL,
	`fingerprint` integer NOT NULL,
	`occurrences` integer NOT NULL,
	`org` text NOT NULL,
	`first_written_at` text NOT NULL,
	PRIMARY KEY(`session_id`, `path`, `fingerprint`)
);
--> statement-breakpoint
CREATE TABLE `session_pull_requests` (
	`session_id` text NOT NULL,
	`repository` text NOT NULL,
	`number` integer NOT NULL,
	`org` text NOT NULL,
	`url` text NOT NULL,
	`seen_at` text NOT NULL,
	PRIMARY KEY(`session_id`, `repository`, `number`)
);
--> statement-breakpoint
CREATE INDEX `session_pull_requests_repository_number_idx` ON `session_pull_requests` (`repository`,`number`);--> statement-breakpoint
CREATE TABLE `telemetry_daily` (
	`org` text NOT NULL,
	`day` text NOT NULL,
	`session_id` text NOT NULL,
	`metric` text NOT NULL,
	`dimension` text NOT NULL,
	`value` real NOT NULL,
	PRIMARY KEY(`org`, `day`, `session_id`, `metric`, `dimension`)
);
--> statement-breakpoint
CREATE INDEX `telemetry_daily_session_id_idx` ON `telemetry_daily` (`session_id`);