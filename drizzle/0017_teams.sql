CREATE TABLE `daily_user_teams` (
	`org` text NOT NULL,
	`day` text NOT NULL,
	`user_key` text NOT NULL,
	`team` text NOT NULL,
	PRIMARY KEY(`org`, `day`, `user_key`, `team`)
);
--> statement-breakpoint
CREATE INDEX `daily_user_teams_org_team_day_idx` ON `daily_user_teams` (`org`,`team`,`day`);--> statement-breakpoint
CREATE TABLE `github_team_members` (
	`org` text NOT NULL,
	`team_id` integer NOT NULL,
	`user_key` text NOT NULL,
	`login` text NOT NULL,
	PRIMARY KEY(`org`, `team_id`, `user_key`)
);
--> statement-breakpoint
CREATE INDEX `github_team_members_org_user_key_idx` ON `github_team_members` (`org`,`user_key`);--> statement-breakpoint
CREATE TABLE `github_teams` (
	`org` text NOT NULL,
	`id` integer NOT NULL,
	`slug` text NOT NULL,
	`name` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`org`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `github_teams_org_slug_idx` ON `github_teams` (`org`,`slug`);--> statement-breakpoint
CREATE TABLE `org_members` (
	`org` text NOT NULL,
	`user_key` text NOT NULL,
	`login` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`org`, `user_key`)
);
--> statement-breakpoint
ALTER TABLE `claude_sessions` ADD `team` text;--> statement-breakpoint
ALTER TABLE `org_settings` ADD `members_listed_at` text;--> statement-breakpoint
ALTER TABLE `org_settings` ADD `teams_listed_at` text;--> statement-breakpoint
ALTER TABLE `org_settings` ADD `teams_changed_at` text;--> statement-breakpoint
-- Sessions recorded before the column: their `team` label as a slug (lowercase, spaces as "-"), where that
-- makes one; other values stay unset rather than guessed (new exports are read by `teamSlugOf`).
UPDATE `claude_sessions` SET `team` = replace(lower(trim(json_extract(`attributes`, '$.team'))), ' ', '-')
WHERE `attributes` IS NOT NULL AND json_valid(`attributes`) AND json_type(`attributes`, '$.team') = 'text'
  AND length(trim(json_extract(`attributes`, '$.team'))) BETWEEN 1 AND 100
  AND replace(lower(trim(json_extract(`attributes`, '$.team'))), ' ', '-') GLOB '[a-z0-9]*'
  AND replace(lower(trim(json_extract(`attributes`, '$.team'))), ' ', '-') NOT GLOB '*[^a-z0-9_-]*'
  AND replace(lower(trim(json_extract(`attributes`, '$.team'))), ' ', '-') NOT GLOB '*--*'
  AND replace(lower(trim(json_extract(`attributes`, '$.team'))), ' ', '-') NOT GLOB '*-';
