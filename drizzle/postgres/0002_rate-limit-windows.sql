CREATE TABLE "rate_limit_windows" (
	"key" text NOT NULL,
	"window_start" text NOT NULL,
	"used" bigint NOT NULL,
	CONSTRAINT "rate_limit_windows_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
CREATE INDEX "rate_limit_windows_window_start_idx" ON "rate_limit_windows" USING btree ("window_start");