ALTER TABLE `api_requests_daily` DROP COLUMN `cost_usd`;--> statement-breakpoint
ALTER TABLE `daily_model_usage` DROP COLUMN `cost_usd`;--> statement-breakpoint
ALTER TABLE `daily_org_metrics` DROP COLUMN `cost_usd`;--> statement-breakpoint
ALTER TABLE `daily_repository_metrics` DROP COLUMN `cost_usd`;--> statement-breakpoint
ALTER TABLE `daily_user_metrics` DROP COLUMN `cost_usd`;