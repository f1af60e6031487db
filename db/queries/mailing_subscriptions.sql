-- Opt-in subscriptions to organizations' mailings and one-click unsubscribe.

-- name: ListMailingSubscriptions :many
SELECT sqlc.embed(ms), o.name AS organization_name
FROM mailing_subscriptions ms JOIN organizations o ON o.id = ms.organization_id
WHERE ms.user_id = @user_id
ORDER BY o.name, ms.organization_id, ms.list;

-- name: Subscribe :one
-- A new opt-in renews the consent time and policy version.
INSERT INTO mailing_subscriptions AS ms (user_id, organization_id, list, consented_at, policy_version)
VALUES (@user_id, @organization_id, @list, now(), @policy_version)
ON CONFLICT (user_id, organization_id, list) DO UPDATE SET
    consented_at = now(), policy_version = excluded.policy_version,
    unsubscribed_at = NULL, unsubscribed_via = NULL
RETURNING *;

-- name: Unsubscribe :one
-- Withdraws a subscription; the first withdrawal's time and way stay.
-- withdrawn says whether this call withdrew it.
WITH prev AS (
    SELECT unsubscribed_at FROM mailing_subscriptions
    WHERE user_id = @user_id AND organization_id = @organization_id AND list = @list
)
UPDATE mailing_subscriptions ms SET
    unsubscribed_at = coalesce(ms.unsubscribed_at, now()),
    unsubscribed_via = coalesce(ms.unsubscribed_via, @via)
FROM organizations o, prev
WHERE ms.user_id = @user_id AND ms.organization_id = @organization_id AND ms.list = @list
  AND o.id = ms.organization_id
RETURNING sqlc.embed(ms), o.name AS organization_name, (prev.unsubscribed_at IS NULL)::boolean AS withdrawn;

-- name: OrganizationName :one
SELECT name FROM organizations WHERE id = @id;

-- name: CreateUnsubscribeToken :exec
INSERT INTO mailing_unsubscribe_tokens (token_hash, user_id, organization_id, list)
VALUES (@token_hash, @user_id, @organization_id, @list);

-- name: GetUnsubscribeToken :one
SELECT t.user_id, t.organization_id, t.list, o.name AS organization_name
FROM mailing_unsubscribe_tokens t JOIN organizations o ON o.id = t.organization_id
WHERE t.token_hash = @token_hash;
