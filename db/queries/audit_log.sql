-- name: ListUserAuditEvents :many
-- A page of the events about a user, newest first, with ids below before_id
-- (the cursor: the id of the last row of the previous page).
SELECT * FROM audit_events
WHERE user_id = @user_id
  AND id < @before_id::bigint
ORDER BY id DESC
LIMIT @max_rows;

-- name: ListOrganizationAuditEvents :many
-- A page of an organization's log: its own events, plus the account events
-- named in account_events (sign-ins) of its members that happened after they
-- joined it. Newest first, with ids below before_id.
SELECT e.* FROM audit_events e
WHERE (e.organization_id = @organization_id::uuid
       OR (e.organization_id IS NULL
           AND e.event = ANY(@account_events::text[])
           AND EXISTS (SELECT 1 FROM memberships m
                       WHERE m.organization_id = @organization_id::uuid
                         AND m.user_id = e.user_id
                         AND m.created_at <= e.occurred_at)))
  AND e.id < @before_id::bigint
ORDER BY e.id DESC
LIMIT @max_rows;
