CREATE TABLE `consumed_session_lines` (
	`org` text NOT NULL,
	`subject` text NOT NULL,
	`subject_at` text NOT NULL,
	`session_id` text NOT NULL,
	`path` text NOT NULL,
	`fingerprint` integer NOT NULL,
	`lines` integer NOT NULL,
	PRIMARY KEY(`org`, `subject`, `session_id`, `path`, `fingerprint`)
);
--> statement-breakpoint
CREATE INDEX `consumed_session_lines_org_session_id_path_idx` ON `consumed_session_lines` (`org`,`session_id`,`path`,`subject_at`);--> statement-breakpoint
CREATE INDEX `consumed_session_lines_subject_at_idx` ON `consumed_session_lines` (`subject_at`);