-- What every API request asks before its route runs (src/db/api-key-requests.ts), as one function:
-- the live key a secret's hash belongs to, one request taken from its rate-limit window (not when
-- the key does not cover the org the path names, nor past the limit), and which processing runs
-- have ended. A function so that its plan is kept per connection (plan_cache_mode is
-- force_custom_plan on the app's connections, and planning this statement afresh took twice as
-- long as running it).
CREATE FUNCTION ccm_admit_api_key_request(p_key_hash text, p_window_start text, p_org text, p_limit bigint)
RETURNS TABLE (
  id bigint, org text, "keyHash" text, "keyPrefix" text, "createdAt" text, "revokedAt" text, "lastUsedAt" text,
  used bigint, "runsEnded" bigint, "lastEndedAt" text
)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH found AS (
    SELECT k.id, k.org, k.key_hash, k.key_prefix, k.created_at, k.revoked_at, k.last_used_at
    FROM api_keys AS k WHERE k.key_hash = p_key_hash AND k.revoked_at IS NULL
  ), taken AS (
    INSERT INTO rate_limit_windows AS w (key, window_start, used)
    SELECT f.id::text, p_window_start, 1 FROM found AS f WHERE p_org IS NULL OR f.org = p_org
    ON CONFLICT (key, window_start) DO UPDATE SET used = w.used + 1 WHERE w.used < p_limit
    RETURNING w.used
  )
  SELECT f.id, f.org, f.key_hash, f.key_prefix, f.created_at, f.revoked_at, f.last_used_at,
         (SELECT t.used FROM taken AS t), ended.runs_ended, ended.last_ended_at
  FROM found AS f,
       (SELECT count(r.finished_at) AS runs_ended, max(r.finished_at) AS last_ended_at FROM processing_runs AS r) AS ended;
END
$$;
