CREATE TABLE `pull_request_outcomes` (
	`pull_request_id` integer PRIMARY KEY NOT NULL,
	`org` text NOT NULL,
	`day` text NOT NULL,
	`first_commit_at` text,
	`cycle_time_seconds` integer,
	`coding_time_seconds` integer,
	`pickup_time_seconds` integer,
	`review_time_seconds` integer,
	`review_rounds` integer NOT NULL,
	`reverted_by` text,
	`reverted_at` text,
	FOREIGN KEY (`pull_request_id`) REFERENCES `pull_requests`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pull_request_outcomes_org_day_idx` ON `pull_request_outcomes` (`org`,`day`);--> statement-breakpoint
ALTER TABLE `commits` ADD `reverts_sha` text;--> statement-breakpoint
CREATE INDEX `commits_reverts_sha_idx` ON `commits` (`reverts_sha`);--> statement-breakpoint
ALTER TABLE `pull_request_reviews` ADD `reviewer_is_bot` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `pull_requests` ADD `opened_as_draft` integer;--> statement-breakpoint
ALTER TABLE `pull_requests` ADD `first_ready_for_review_at` text;--> statement-breakpoint
ALTER TABLE `pull_requests` ADD `first_converted_to_draft_at` text;--> statement-breakpoint
ALTER TABLE `pull_requests` ADD `reverts_pull_request` text;--> statement-breakpoint
CREATE INDEX `pull_requests_reverts_pull_request_idx` ON `pull_requests` (`reverts_pull_request`);--> statement-breakpoint
-- Hand-written: the revert links of rows stored before this migration, read from the stored text
-- the way src/outcomes/revert-links.ts reads new rows (git's full 40-hex sha; a body that starts
-- with GitHub's "Reverts owner/repo#N"). Later deliveries and enrichment rewrite them with that code.
UPDATE `commits` SET `reverts_sha` = lower(substr(`message`, instr(`message`, 'This reverts commit ') + 20, 40))
WHERE instr(`message`, 'This reverts commit ') > 0
  AND lower(substr(`message`, instr(`message`, 'This reverts commit ') + 20, 40)) GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]';--> statement-breakpoint
UPDATE `pull_requests` SET `reverts_pull_request` = lower(rtrim(substr(`body`, 9, CASE WHEN instr(`body`, char(10)) > 0 THEN instr(`body`, char(10)) - 9 ELSE length(`body`) END), char(13) || ' ' || char(9)))
WHERE `body` GLOB 'Reverts ?*/?*#[0-9]*';--> statement-breakpoint
UPDATE `pull_requests` SET `reverts_pull_request` = NULL
WHERE `reverts_pull_request` IS NOT NULL
  AND (`reverts_pull_request` GLOB '*[^a-z0-9_./#-]*' OR substr(`reverts_pull_request`, instr(`reverts_pull_request`, '#') + 1) GLOB '*[^0-9]*'
       OR substr(`reverts_pull_request`, instr(`reverts_pull_request`, '#') + 1) = '' OR `reverts_pull_request` NOT GLOB '?*/?*#*');
