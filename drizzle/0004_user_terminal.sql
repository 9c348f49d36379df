ALTER TABLE `daily_user_metrics` ADD `terminal_type` text;--> statement-breakpoint
ALTER TABLE `daily_user_metrics` ADD `customer_type` text;