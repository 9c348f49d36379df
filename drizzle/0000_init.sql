CREATE TABLE `added_line_fingerprints` (
	`changed_file_id` integer NOT NULL,
	`fingerprint` integer NOT NULL,
	`occurrences` integer NOT NULL,
	PRIMARY KEY(`changed_file_id`, `fingerprint`),
	FOREIGN KEY (`changed_file_id`) REFERENCES `changed_files`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `app_secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `changed_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pull_request_id` integer,
	`commit_id` integer,
	`path` text NOT NULL,
	`previous_path` text,
	`status` text NOT NULL,
	`additions` integer NOT NULL,
	`deletions` integer NOT NULL,
	`effective_lines` integer NOT NULL,
	`excluded_reason` text,
	`patch_missing` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`pull_request_id`) REFERENCES `pull_requests`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`commit_id`) REFERENCES `commits`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "changed_files_owner_check" CHECK(("changed_files"."pull_request_id" IS NULL) <> ("changed_files"."commit_id" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `changed_files_pull_request_id_path_idx` ON `changed_files` (`pull_request_id`,`path`);--> statement-breakpoint
CREATE UNIQUE INDEX `changed_files_commit_id_path_idx` ON `changed_files` (`commit_id`,`path`);--> statement-breakpoint
CREATE TABLE `commits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`repository_id` integer NOT NULL,
	`sha` text NOT NULL,
	`author_name` text,
	`author_email` text,
	`author_login` text,
	`committer_name` text,
	`committer_email` text,
	`committer_login` text,
	`authored_at` text,
	`committed_at` text,
	`message` text NOT NULL,
	`claude_code_trailer` integer DEFAULT false NOT NULL,
	`pushed_to_default_branch` integer DEFAULT false NOT NULL,
	`pushed_at` text,
	`additions` integer,
	`deletions` integer,
	`enriched_at` text,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `commits_repository_id_sha_idx` ON `commits` (`repository_id`,`sha`);--> statement-breakpoint
CREATE INDEX `commits_sha_idx` ON `commits` (`sha`);--> statement-breakpoint
CREATE INDEX `commits_pushed_at_idx` ON `commits` (`pushed_at`);--> statement-breakpoint
CREATE TABLE `github_users` (
	`id` integer PRIMARY KEY NOT NULL,
	`login` text NOT NULL,
	`type` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `github_users_login_idx` ON `github_users` (`login`);--> statement-breakpoint
CREATE TABLE `installations` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`account_login` text NOT NULL,
	`account_type` text NOT NULL,
	`repository_selection` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `installations_account_login_idx` ON `installations` (`account_login`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer NOT NULL,
	`run_after` integer NOT NULL,
	`locked_until` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_dedupe_key_idx` ON `jobs` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `jobs_status_run_after_idx` ON `jobs` (`status`,`run_after`);--> statement-breakpoint
CREATE TABLE `pull_request_commits` (
	`pull_request_id` integer NOT NULL,
	`commit_id` integer NOT NULL,
	PRIMARY KEY(`pull_request_id`, `commit_id`),
	FOREIGN KEY (`pull_request_id`) REFERENCES `pull_requests`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`commit_id`) REFERENCES `commits`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pull_request_commits_commit_id_idx` ON `pull_request_commits` (`commit_id`);--> statement-breakpoint
CREATE TABLE `pull_request_reviews` (
	`id` integer PRIMARY KEY NOT NULL,
	`pull_request_id` integer NOT NULL,
	`reviewer_login` text,
	`state` text NOT NULL,
	`submitted_at` text NOT NULL,
	FOREIGN KEY (`pull_request_id`) REFERENCES `pull_requests`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pull_request_reviews_pull_request_id_idx` ON `pull_request_reviews` (`pull_request_id`);--> statement-breakpoint
CREATE TABLE `pull_requests` (
	`id` integer PRIMARY KEY NOT NULL,
	`repository_id` integer NOT NULL,
	`number` integer NOT NULL,
	`author_id` integer,
	`author_login` text NOT NULL,
	`author_is_bot` integer NOT NULL,
	`title` text NOT NULL,
	`body` text,
	`base_ref` text NOT NULL,
	`head_ref` text NOT NULL,
	`head_sha` text,
	`draft` integer DEFAULT false NOT NULL,
	`state` text NOT NULL,
	`created_at` text NOT NULL,
	`github_updated_at` text NOT NULL,
	`closed_at` text,
	`merged_at` text,
	`merge_commit_sha` text,
	`additions` integer,
	`deletions` integer,
	`changed_files` integer,
	`first_reviewed_at` text,
	`enriched_at` text,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `github_users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pull_requests_repository_id_number_idx` ON `pull_requests` (`repository_id`,`number`);--> statement-breakpoint
CREATE INDEX `pull_requests_merged_at_idx` ON `pull_requests` (`merged_at`);--> statement-breakpoint
CREATE INDEX `pull_requests_author_login_idx` ON `pull_requests` (`author_login`);--> statement-breakpoint
CREATE INDEX `pull_requests_merge_commit_sha_idx` ON `pull_requests` (`merge_commit_sha`);--> statement-breakpoint
CREATE TABLE `repositories` (
	`id` integer PRIMARY KEY NOT NULL,
	`installation_id` integer,
	`owner_login` text NOT NULL,
	`name` text NOT NULL,
	`full_name` text NOT NULL,
	`default_branch` text,
	`private` integer DEFAULT false NOT NULL,
	`covered` integer DEFAULT true NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `repositories_full_name_idx` ON `repositories` (`full_name`);--> statement-breakpoint
CREATE INDEX `repositories_installation_id_idx` ON `repositories` (`installation_id`);--> statement-breakpoint
CREATE INDEX `repositories_owner_login_idx` ON `repositories` (`owner_login`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event` text NOT NULL,
	`action` text,
	`installation_id` integer,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received_at_idx` ON `webhook_deliveries` (`received_at`);