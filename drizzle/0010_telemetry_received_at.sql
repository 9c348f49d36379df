ALTER TABLE `api_requests_daily` ADD `received_at` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `telemetry_daily` ADD `received_at` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `api_requests_daily` SET `received_at` = min(`day` || 'T00:00:00.000Z', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));--> statement-breakpoint
UPDATE `telemetry_daily` SET `received_at` = min(`day` || 'T00:00:00.000Z', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
