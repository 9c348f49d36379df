ALTER TABLE `processing_runs` ADD `pid` integer;--> statement-breakpoint
ALTER TABLE `processing_runs` ADD `host` text;--> statement-breakpoint
ALTER TABLE `processing_runs` ADD `process_started_at` text;