ALTER TABLE `repository_durability_replays` ADD `window_start` text;--> statement-breakpoint
ALTER TABLE `repository_durability_replays` ADD `stands_until` text;