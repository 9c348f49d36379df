CREATE TABLE `deleted_line_fingerprints` (
	`changed_file_id` integer NOT NULL,
	`fingerprint` integer NOT NULL,
	`occurrences` integer NOT NULL,
	PRIMARY KEY(`changed_file_id`, `fingerprint`),
	FOREIGN KEY (`changed_file_id`) REFERENCES `changed_files`(`id`) ON UPDATE no action ON DELETE cascade
);
