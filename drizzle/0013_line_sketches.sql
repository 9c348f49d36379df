ALTER TABLE `added_line_fingerprints` ADD `sketch` blob;--> statement-breakpoint
ALTER TABLE `session_line_fingerprints` ADD `sketch` blob;