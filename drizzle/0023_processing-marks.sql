CREATE TABLE `daily_rollup_hashes` (
	`org` text NOT NULL,
	`day` text NOT NULL,
	`hash` text NOT NULL,
	PRIMARY KEY(`org`, `day`)
);
--> statement-breakpoint
CREATE TABLE `processing_marks` (
	`org` text NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`day` text NOT NULL,
	`claim` integer DEFAULT 0 NOT NULL,
	`marked_at` text NOT NULL,
	PRIMARY KEY(`org`, `kind`, `key`, `day`, `claim`)
);
--> statement-breakpoint
CREATE INDEX `processing_marks_claim_marked_at_idx` ON `processing_marks` (`claim`,`marked_at`);--> statement-breakpoint
ALTER TABLE `processing_runs` ADD `corrections` integer;