CREATE TABLE "daily_rollup_hashes" (
	"org" text NOT NULL,
	"day" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "daily_rollup_hashes_pk" PRIMARY KEY("org","day")
);
--> statement-breakpoint
CREATE TABLE "processing_marks" (
	"org" text NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"day" text NOT NULL,
	"claim" bigint DEFAULT 0 NOT NULL,
	"marked_at" text NOT NULL,
	CONSTRAINT "processing_marks_pk" PRIMARY KEY("org","kind","key","day","claim")
);
--> statement-breakpoint
ALTER TABLE "processing_runs" ADD COLUMN "corrections" bigint;--> statement-breakpoint
CREATE INDEX "processing_marks_claim_marked_at_idx" ON "processing_marks" USING btree ("claim","marked_at");