-- name: CreateNewsItem :one
INSERT INTO news_items (organization_id, title, body_markdown, body_html, audience, program_ids, published_at, created_by, updated_by)
VALUES (@organization_id, @title, @body_markdown, @body_html, @audience, @program_ids::uuid[], sqlc.narg(published_at), @author_id, @author_id)
RETURNING *;

-- name: UpdateNewsItem :one
UPDATE news_items SET
    title = @title, body_markdown = @body_markdown, body_html = @body_html, audience = @audience,
    program_ids = @program_ids::uuid[], published_at = sqlc.narg(published_at), updated_by = @author_id, updated_at = now()
WHERE organization_id = @organization_id AND id = @id
RETURNING *;

-- name: UnpublishNewsItem :one
UPDATE news_items SET published_at = NULL, updated_by = @author_id, updated_at = now()
WHERE organization_id = @organization_id AND id = @id
RETURNING *;

-- name: DeleteNewsItem :execrows
DELETE FROM news_items WHERE organization_id = @organization_id AND id = @id;

-- name: GetNewsItem :one
SELECT * FROM news_items WHERE organization_id = @organization_id AND id = @id;

-- name: ListNewsItems :many
-- Every item of the organization, for its editors, newest first; state is
-- 'draft', 'scheduled' or 'published' (NULL: all).
SELECT * FROM news_items
WHERE organization_id = @organization_id
  AND (sqlc.narg(state)::text IS NULL
       OR (sqlc.narg(state) = 'draft' AND published_at IS NULL)
       OR (sqlc.narg(state) = 'scheduled' AND published_at > now())
       OR (sqlc.narg(state) = 'published' AND published_at <= now()))
  AND (sqlc.narg(before_created_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(before_created_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: ListPublishedNews :many
-- What readers see: published (not scheduled for later) items of the given
-- audiences, newest first. With learner_id, items for given programs only
-- when that learner has an approved application to one of them (staff pass
-- NULL and see them all).
SELECT * FROM news_items
WHERE news_items.organization_id = @organization_id
  AND news_items.published_at <= now()
  AND news_items.audience::text = ANY(@audiences::text[])
  AND (sqlc.narg(learner_id)::uuid IS NULL OR cardinality(program_ids) = 0 OR EXISTS (
       SELECT 1 FROM applications a
       WHERE a.user_id = sqlc.narg(learner_id)::uuid AND a.status = 'approved' AND a.program_id = ANY(news_items.program_ids)))
  AND (sqlc.narg(before_published_at)::timestamptz IS NULL
       OR (news_items.published_at, news_items.id) < (sqlc.narg(before_published_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY news_items.published_at DESC, news_items.id DESC
LIMIT @max_rows;

-- name: GetPublishedNewsItem :one
SELECT * FROM news_items
WHERE organization_id = @organization_id AND id = @id
  AND published_at <= now() AND audience::text = ANY(@audiences::text[]);

-- name: GetOrganizationByID :one
SELECT * FROM organizations WHERE id = @id;


-- name: CountOrganizationPrograms :one
-- How many of ids are programs of the organization.
SELECT count(*) FROM programs WHERE organization_id = @organization_id AND id = ANY(@ids::uuid[]);

-- name: GetNewsForDelivery :one
SELECT * FROM news_items WHERE id = @id;

-- name: DeliverNewsBatch :many
-- The next readers of a published item not yet told about it, marked as
-- told: the organization's active members (public and members-only items),
-- or, for an item for given programs, its staff and the learners approved
-- to one of them. The caller writes their notifications in the same
-- transaction.
WITH readers AS (
    SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.organization_id = @organization_id AND u.status = 'active' AND m.status = 'active'
      AND (cardinality(@program_ids::uuid[]) = 0 OR m.role <> 'learner' OR EXISTS (
           SELECT 1 FROM applications a
           WHERE a.user_id = m.user_id AND a.status = 'approved' AND a.program_id = ANY(@program_ids::uuid[])))
      AND NOT EXISTS (SELECT 1 FROM news_deliveries d WHERE d.news_id = @news_id AND d.user_id = m.user_id)
    ORDER BY m.user_id
    LIMIT @max_rows
)
INSERT INTO news_deliveries (news_id, user_id)
SELECT @news_id, user_id FROM readers
ON CONFLICT DO NOTHING
RETURNING user_id;
