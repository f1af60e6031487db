-- Tickets that open a notification stream without an Authorization header.

-- name: CreateStreamTicket :exec
INSERT INTO stream_tickets (token_hash, user_id, session_id, expires_at)
VALUES (@token_hash, @user_id, @session_id, @expires_at);

-- name: UseStreamTicket :one
-- Spends a live ticket whose session is still active; no row otherwise (a
-- second use included). Expired tickets of the user are pruned on the way.
WITH used AS (
    UPDATE stream_tickets t SET used_at = now()
    WHERE t.token_hash = @token_hash AND t.used_at IS NULL AND t.expires_at > now()
    RETURNING t.user_id, t.session_id
)
SELECT sqlc.embed(u), s.id AS session_id, s.authenticated_at
FROM used
JOIN sessions s ON s.id = used.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
JOIN users u ON u.id = used.user_id AND u.status = 'active';

-- name: DeleteStaleStreamTickets :exec
DELETE FROM stream_tickets WHERE user_id = @user_id AND (used_at IS NOT NULL OR expires_at <= now());

-- name: SessionActive :one
SELECT EXISTS (
    SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = @session_id AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'
);
