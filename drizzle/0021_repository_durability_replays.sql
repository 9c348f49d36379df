CREATE TABLE `repository_durability_replays` (
	`repository_id` integer PRIMARY KEY NOT NULL,
	`last_changed_file_id` integer NOT NULL,
	`changed_files` integer NOT NULL,
	`replayed_at` text NOT NULL,
	FOREIGN KEY (`repository_id`) REFERENCES `repositories`(`id`) ON UPDATE no action ON DELETE cascade
);
