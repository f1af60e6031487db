-- Housekeeping: rows that can no longer matter. Each statement is bounded
-- by an index-friendly condition and safe to run from several instances.

-- name: PurgeRateLimits :execrows
-- Counters whose window (at most a day in any configuration) and lock are long over.
DELETE FROM rate_limits
WHERE window_start < now() - interval '2 days'
  AND (locked_until IS NULL OR locked_until < now());

-- name: PurgeOneTimeCodes :execrows
DELETE FROM one_time_codes
WHERE (consumed_at IS NOT NULL OR expires_at < now()) AND created_at < now() - interval '7 days';

-- name: PurgeEndedSessions :execrows
-- Sessions (with their refresh tokens) ended more than 30 days ago; the
-- audit log keeps the sign-in history.
DELETE FROM sessions
WHERE coalesce(revoked_at, expires_at) < now() - interval '30 days';

-- name: PurgeSecondFactorChallenges :execrows
DELETE FROM second_factor_challenges WHERE expires_at < now() - interval '1 day';

-- name: PurgeCertificateChallenges :execrows
DELETE FROM certificate_challenges WHERE expires_at < now() - interval '1 day';

-- name: PurgeSSOStates :execrows
DELETE FROM sso_states WHERE expires_at < now() - interval '1 day';

-- name: PurgeOldMessages :execrows
-- Delivered and failed messages hold codes and links in clear text: keep
-- them only as long as support may need them.
DELETE FROM outbox
WHERE status IN ('sent', 'failed') AND created_at < now() - make_interval(secs => @older_than_seconds::float8);
