-- name: UpsertCalendarFeedToken :exec
-- Sets the user's feed token, replacing (and so revoking) an earlier one.
INSERT INTO calendar_feed_tokens (user_id, token_hash)
VALUES (@user_id, @token_hash)
ON CONFLICT (user_id) DO UPDATE
SET token_hash = excluded.token_hash, created_at = now(), last_used_at = NULL;

-- name: UseCalendarFeedToken :one
-- Finds the owner of a feed token and notes the use, writing at most once a
-- minute so a busy feed does not write on every fetch.
WITH t AS (
    SELECT f.user_id, f.last_used_at FROM calendar_feed_tokens f WHERE f.token_hash = @token_hash
), touched AS (
    UPDATE calendar_feed_tokens c SET last_used_at = now()
    FROM t
    WHERE c.user_id = t.user_id
      AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
)
SELECT user_id FROM t;

-- name: GetCalendarFeedToken :one
SELECT created_at, last_used_at FROM calendar_feed_tokens WHERE user_id = @user_id;

-- name: DeleteCalendarFeedToken :execrows
DELETE FROM calendar_feed_tokens WHERE user_id = @user_id;
