CREATE TABLE "daily_user_teams" (
	"org" text NOT NULL,
	"day" text NOT NULL,
	"user_key" text NOT NULL,
	"team" text NOT NULL,
	CONSTRAINT "daily_user_teams_pk" PRIMARY KEY("org","day","user_key","team")
);
--> statement-breakpoint
CREATE TABLE "deleted_line_fingerprints" (
	"changed_file_id" bigint NOT NULL,
	"fingerprint" bigint NOT NULL,
	"occurrences" bigint NOT NULL,
	CONSTRAINT "deleted_line_fingerprints_pk" PRIMARY KEY("changed_file_id","fingerprint")
);
--> statement-breakpoint
CREATE TABLE "github_team_members" (
	"org" text NOT NULL,
	"team_id" bigint NOT NULL,
	"user_key" text NOT NULL,
	"login" text NOT NULL,
	CONSTRAINT "github_team_members_pk" PRIMARY KEY("org","team_id","user_key")
);
--> statement-breakpoint
CREATE TABLE "github_teams" (
	"org" text NOT NULL,
	"id" bigint NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "github_teams_pk" PRIMARY KEY("org","id")
);
--> statement-breakpoint
CREATE TABLE "org_members" (
	"org" text NOT NULL,
	"user_key" text NOT NULL,
	"login" text NOT NULL,
	"updated_at" text NOT NULL,
	CONSTRAINT "org_members_pk" PRIMARY KEY("org","user_key")
);
--> statement-breakpoint
CREATE TABLE "pull_request_durability" (
	"pull_request_id" bigint PRIMARY KEY NOT NULL,
	"org" text NOT NULL,
	"day" text NOT NULL,
	"lines" bigint NOT NULL,
	"surviving_14d" bigint,
	"surviving_30d" bigint,
	"surviving_90d" bigint,
	"deleted_21d" bigint,
	"rewritten_21d" bigint,
	"ended_lives" jsonb NOT NULL,
	"as_of" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "repository_durability_replays" (
	"repository_id" bigint PRIMARY KEY NOT NULL,
	"last_changed_file_id" bigint NOT NULL,
	"changed_files" bigint NOT NULL,
	"replayed_at" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "claude_sessions" ADD COLUMN "team" text;--> statement-breakpoint
ALTER TABLE "org_settings" ADD COLUMN "members_listed_at" text;--> statement-breakpoint
ALTER TABLE "org_settings" ADD COLUMN "teams_listed_at" text;--> statement-breakpoint
ALTER TABLE "org_settings" ADD COLUMN "teams_changed_at" text;--> statement-breakpoint
ALTER TABLE "deleted_line_fingerprints" ADD CONSTRAINT "deleted_line_fingerprints_changed_file_id_changed_files_id_fk" FOREIGN KEY ("changed_file_id") REFERENCES "public"."changed_files"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pull_request_durability" ADD CONSTRAINT "pull_request_durability_pull_request_id_pull_requests_id_fk" FOREIGN KEY ("pull_request_id") REFERENCES "public"."pull_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repository_durability_replays" ADD CONSTRAINT "repository_durability_replays_repository_id_repositories_id_fk" FOREIGN KEY ("repository_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "daily_user_teams_org_team_day_idx" ON "daily_user_teams" USING btree ("org","team","day");--> statement-breakpoint
CREATE INDEX "github_team_members_org_user_key_idx" ON "github_team_members" USING btree ("org","user_key");--> statement-breakpoint
CREATE UNIQUE INDEX "github_teams_org_slug_idx" ON "github_teams" USING btree ("org","slug");--> statement-breakpoint
CREATE INDEX "pull_request_durability_org_day_idx" ON "pull_request_durability" USING btree ("org","day");--> statement-breakpoint
CREATE INDEX "attributions_outcomes_idx" ON "attributions" USING btree ("org","day","is_bot","author_login","with_claude_code","lines_added","repository","pull_request_id");