CREATE TABLE `pull_request_durability` (
	`pull_request_id` integer PRIMARY KEY NOT NULL,
	`org` text NOT NULL,
	`day` text NOT NULL,
	`lines` integer NOT NULL,
	`surviving_14d` integer,
	`surviving_30d` integer,
	`surviving_90d` integer,
	`deleted_21d` integer,
	`rewritten_21d` integer,
	`ended_lives` text NOT NULL,
	`as_of` text NOT NULL,
	FOREIGN KEY (`pull_request_id`) REFERENCES `pull_requests`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `pull_request_durability_org_day_idx` ON `pull_request_durability` (`org`,`day`);