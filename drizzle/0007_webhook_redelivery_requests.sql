CREATE TABLE `webhook_redelivery_requests` (
	`guid` text PRIMARY KEY NOT NULL,
	`delivery_id` integer NOT NULL,
	`event` text NOT NULL,
	`requested_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_redelivery_requests_requested_at_idx` ON `webhook_redelivery_requests` (`requested_at`);