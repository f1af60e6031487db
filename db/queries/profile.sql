-- Profile, contact confirmation, data export and account closure.

-- name: UpdateProfile :one
-- Changes the fields that are given (NULL keeps the current value).
UPDATE users SET
    first_name = coalesce(sqlc.narg(first_name), first_name),
    last_name  = coalesce(sqlc.narg(last_name), last_name),
    locale     = coalesce(sqlc.narg(locale), locale),
    time_zone  = coalesce(sqlc.narg(time_zone), time_zone),
    updated_at = now()
WHERE id = @id
RETURNING *;

-- name: SetPersonalData :one
-- Replaces the personal data for state-format documents (enrollment).
UPDATE users SET
    patronymic = sqlc.narg(patronymic),
    birth_date = sqlc.narg(birth_date),
    sex = sqlc.narg(sex),
    citizenship = sqlc.narg(citizenship),
    snils = sqlc.narg(snils),
    updated_at = now()
WHERE id = @id
RETURNING *;

-- name: GetUserForUpdate :one
SELECT * FROM users WHERE id = @id FOR UPDATE;

-- name: SetEmailConfirmed :one
-- Makes email the account's e-mail (it may be the current one) and marks it
-- confirmed.
UPDATE users SET email = @email, email_verified_at = now(), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: SetPhoneConfirmed :one
UPDATE users SET phone = @phone::text, phone_verified_at = now(), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: GetPendingCode :one
-- The newest live code of a user for a purpose: what a resend re-sends.
SELECT target, expires_at FROM one_time_codes
WHERE user_id = @user_id AND purpose = @purpose AND consumed_at IS NULL AND expires_at > now()
ORDER BY created_at DESC
LIMIT 1;

-- name: GetNotificationPreferences :one
SELECT * FROM notification_preferences WHERE user_id = @user_id;

-- name: UpsertNotificationPreferences :one
-- The consent time moves only when advertising is switched on from off.
INSERT INTO notification_preferences AS p (user_id, email_news, email_marketing, sms_marketing, marketing_consent_at)
VALUES (@user_id, @email_news, @email_marketing, @sms_marketing,
        CASE WHEN @email_marketing::boolean OR @sms_marketing::boolean THEN now() END)
ON CONFLICT (user_id) DO UPDATE SET
    email_news      = excluded.email_news,
    email_marketing = excluded.email_marketing,
    sms_marketing   = excluded.sms_marketing,
    marketing_consent_at = CASE
        WHEN NOT (excluded.email_marketing OR excluded.sms_marketing) THEN NULL
        WHEN (excluded.email_marketing AND NOT p.email_marketing) OR (excluded.sms_marketing AND NOT p.sms_marketing) THEN now()
        ELSE p.marketing_consent_at END,
    updated_at      = now()
RETURNING *;

-- name: ListSessionsForExport :many
SELECT id, remember_me, user_agent, ip, created_at, last_used_at, expires_at, revoked_at, revoke_reason, authenticated_at
FROM sessions WHERE user_id = @user_id ORDER BY created_at, id;

-- name: ListAuditEventsForExport :many
SELECT id, occurred_at, event, actor_id, organization_id, ip, user_agent, details
FROM audit_events WHERE user_id = @user_id ORDER BY id;

-- name: ListMessagesForExport :many
-- Messages sent to the user's addresses, without their bodies (a body may
-- hold a code or link that is still valid).
SELECT id, channel, recipient, template, locale, subject, status, created_at, sent_at
FROM outbox WHERE recipient = ANY(@recipients::text[]) ORDER BY id;

-- name: CloseUser :exec
-- Erases the personal data of the account and closes it for good: the
-- e-mail and phone become free, no password is left to sign in with.
UPDATE users SET
    email = 'deleted-' || id::text || '@invalid',
    phone = NULL,
    first_name = '—',
    last_name = '—',
    password_hash = NULL,
    email_verified_at = NULL,
    phone_verified_at = NULL,
    time_zone = DEFAULT,
    patronymic = NULL,
    birth_date = NULL,
    sex = NULL,
    citizenship = NULL,
    snils = NULL,
    status = 'closed',
    closed_at = now(),
    updated_at = now()
WHERE id = @id;

-- name: EndSessionsOfClosedUser :exec
-- Revokes every session and forgets where they came from.
UPDATE sessions SET
    revoked_at = coalesce(revoked_at, now()),
    revoke_reason = coalesce(revoke_reason, 'account_closed'),
    user_agent = '',
    ip = NULL
WHERE user_id = @user_id;

-- name: StripAuditEventsOfClosedUser :exec
-- Audit rows stay (with the user id) but lose what identifies the person.
UPDATE audit_events SET
    ip = NULL,
    user_agent = '',
    details = CASE WHEN user_id = @user_id THEN '{}'::jsonb ELSE details END
WHERE user_id = @user_id OR actor_id = @user_id;

-- name: DeleteMembershipsOfUser :exec
DELETE FROM memberships WHERE user_id = @user_id;

-- name: ConsumeCodesOfUser :exec
-- Kills every outstanding code and forgets the addresses they confirm.
UPDATE one_time_codes SET consumed_at = coalesce(consumed_at, now()), target = ''
WHERE user_id = @user_id;

-- name: DeleteNotificationPreferences :exec
DELETE FROM notification_preferences WHERE user_id = @user_id;

-- name: RedactDeliveredMessages :exec
-- Messages already delivered (or given up) lose their recipient and content;
-- pending ones, such as the closure notice, are still delivered.
UPDATE outbox SET recipient = 'redacted', subject = '', body_text = '', body_html = ''
WHERE recipient = ANY(@recipients::text[]) AND status <> 'pending';

-- name: RedactInvitationsOfClosedUser :exec
-- The invitations the user accepted stay in the organizations' history but
-- lose the address and names they were sent with, and so do the audit
-- events about them (recorded before the account existed).
WITH accepted AS (
    UPDATE invitations SET email = 'deleted-' || accepted_user_id::text || '@invalid', first_name = '', last_name = ''
    WHERE accepted_user_id = @user_id
    RETURNING id, organization_id
)
UPDATE audit_events e SET details = e.details - 'email'
FROM accepted a
WHERE e.organization_id = a.organization_id AND e.details->>'invitationId' = a.id::text;
