-- name: GetMe :many
-- GET /me in one round trip, the session check included: a row per
-- membership (one row with has_membership false when there is none), each
-- with the caller's account (the user columns GET /me shows, no more:
-- every column costs on the hottest call) and the session's last proof of
-- identity, when the access token's session is live and its user active
-- (no row otherwise, so a sign-out or a revocation stops the token at once,
-- as GetSessionPrincipal does for other operations). The memberships are
-- the user's first in the order they were granted (as
-- ListUserMemberships), each saying whether the organization requires a
-- second factor of its staff that this staff member has not enabled (as
-- ListOrganizationsAwaitingSecondFactor). Rows rather than a JSON array:
-- scanning columns costs the server less than decoding JSON, and the
-- COALESCEs keep every column NOT NULL, which pgx scans without a pointer
-- per column. The certificates that expired or expire before @before,
-- soonest first (the warnings shown with the profile), come as a JSON
-- array, computed once and repeated on each row: it is nearly always '[]'.
SELECT
  u.id, u.email, u.phone, u.first_name, u.last_name, u.locale, u.time_zone, u.created_at,
  u.email_verified_at, u.phone_verified_at, s.authenticated_at, c.expiring_certificates,
  (ms.organization_id IS NOT NULL)::boolean AS has_membership,
  COALESCE(ms.role, 'learner')::member_role AS role,
  COALESCE(ms.status, 'active')::membership_status AS status,
  COALESCE(ms.joined_at, s.authenticated_at)::timestamptz AS joined_at,
  COALESCE(ms.organization_id, u.id)::uuid AS organization_id,
  COALESCE(ms.slug, '')::text AS slug,
  COALESCE(ms.name, '')::text AS name,
  COALESCE(ms.is_default, false)::boolean AS is_default,
  COALESCE(ms.second_factor_required, false)::boolean AS second_factor_required
FROM sessions s
JOIN users u ON u.id = s.user_id
CROSS JOIN LATERAL (
  SELECT COALESCE(json_agg(json_build_object('id', uc.id, 'subject', uc.subject, 'not_after', uc.not_after)
                           ORDER BY uc.not_after, uc.id), '[]')::json AS expiring_certificates
  FROM user_certificates uc
  WHERE uc.user_id = u.id AND uc.not_after < @before
) c
LEFT JOIN LATERAL (
  SELECT m.role, m.status, m.created_at AS joined_at,
         o.id AS organization_id, o.slug, o.name, o.is_default,
         (m.role <> 'learner' AND o.require_staff_2fa AND NOT EXISTS (
            SELECT 1 FROM totp_authenticators t WHERE t.user_id = m.user_id AND t.enabled_at IS NOT NULL
         )) AS second_factor_required
  FROM memberships m
  JOIN organizations o ON o.id = m.organization_id
  WHERE m.user_id = u.id
  ORDER BY m.created_at, m.organization_id
  LIMIT @max_memberships
) ms ON true
WHERE s.id = @session_id
  AND s.user_id = @user_id
  AND s.revoked_at IS NULL
  AND s.expires_at > now()
  AND u.status = 'active'
ORDER BY ms.joined_at, ms.organization_id;
