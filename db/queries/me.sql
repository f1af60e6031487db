-- name: GetMe :one
-- GET /me in one round trip, the session check included: the caller's
-- account (the user columns GET /me shows, no more: every column costs on
-- the hottest call) and the session's last proof of identity when the access
-- token's session is live and its user active (no row otherwise, so a
-- sign-out or a revocation stops the token at once, as GetSessionPrincipal
-- does for other operations); beside them the user's first memberships in
-- the order they were granted (as ListUserMemberships), each saying whether
-- the organization requires a second factor of its staff that this staff
-- member has not enabled (as ListOrganizationsAwaitingSecondFactor), and
-- the certificates that expired or expire before @before, soonest first
-- (the warnings shown with the profile), as JSON arrays.
SELECT
  u.id, u.email, u.phone, u.first_name, u.last_name, u.locale, u.time_zone, u.created_at,
  u.email_verified_at, u.phone_verified_at, s.authenticated_at,
  COALESCE((
    SELECT json_agg(ms ORDER BY ms.joined_at, ms.organization_id)
    FROM (
      SELECT m.role, m.status, m.created_at AS joined_at,
             o.id AS organization_id, o.slug, o.name, o.is_default,
             (m.role <> 'learner' AND o.require_staff_2fa AND NOT EXISTS (
                SELECT 1 FROM totp_authenticators t WHERE t.user_id = m.user_id AND t.enabled_at IS NOT NULL
             )) AS second_factor_required
      FROM memberships m
      JOIN organizations o ON o.id = m.organization_id
      WHERE m.user_id = @user_id
      ORDER BY m.created_at, m.organization_id
      LIMIT @max_memberships
    ) ms
  ), '[]')::json AS memberships,
  COALESCE((
    SELECT json_agg(c ORDER BY c.not_after, c.id)
    FROM (
      SELECT id, subject, not_after FROM user_certificates
      WHERE user_id = @user_id AND not_after < @before
    ) c
  ), '[]')::json AS expiring_certificates
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.id = @session_id
  AND s.user_id = @user_id
  AND s.revoked_at IS NULL
  AND s.expires_at > now()
  AND u.status = 'active';
