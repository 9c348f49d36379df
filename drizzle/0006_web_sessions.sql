CREATE TABLE `org_settings` (
	`org` text PRIMARY KEY NOT NULL,
	`viewer_teams` text DEFAULT '[]' NOT NULL,
	`members_see_spend` integer DEFAULT false NOT NULL,
	`member_count` integer,
	`member_count_at` text,
	`updated_at` text NOT NULL,
	`updated_by` text
);
--> statement-breakpoint
CREATE TABLE `web_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`github_login` text NOT NULL,
	`github_user_id` integer NOT NULL,
	`name` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `web_sessions_expires_at_idx` ON `web_sessions` (`expires_at`);--> statement-breakpoint
-- Earlier versions kept too long a prefix of tokens whose random part contains "_": keep the kind and six characters.
UPDATE `ingest_tokens` SET `token_prefix` = substr(`token_prefix`, 1, 17) WHERE `token_prefix` LIKE 'ccm\_ingest\_%' ESCAPE '\';
--> statement-breakpoint
UPDATE `api_keys` SET `key_prefix` = substr(`key_prefix`, 1, 14) WHERE `key_prefix` LIKE 'ccm\_api\_%' ESCAPE '\';
