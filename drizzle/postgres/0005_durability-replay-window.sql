ALTER TABLE "repository_durability_replays" ADD COLUMN "window_start" text;--> statement-breakpoint
ALTER TABLE "repository_durability_replays" ADD COLUMN "stands_until" text;