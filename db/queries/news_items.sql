-- name: CreateNewsItem :one
INSERT INTO news_items (organization_id, title, body_markdown, body_html, audience, published_at, created_by, updated_by)
VALUES (@organization_id, @title, @body_markdown, @body_html, @audience, sqlc.narg(published_at), @author_id, @author_id)
RETURNING *;

-- name: UpdateNewsItem :one
UPDATE news_items SET
    title = @title, body_markdown = @body_markdown, body_html = @body_html, audience = @audience,
    published_at = sqlc.narg(published_at), updated_by = @author_id, updated_at = now()
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
-- audiences, newest first.
SELECT * FROM news_items
WHERE organization_id = @organization_id
  AND published_at <= now()
  AND audience::text = ANY(@audiences::text[])
  AND (sqlc.narg(before_published_at)::timestamptz IS NULL
       OR (published_at, id) < (sqlc.narg(before_published_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY published_at DESC, id DESC
LIMIT @max_rows;

-- name: GetPublishedNewsItem :one
SELECT * FROM news_items
WHERE organization_id = @organization_id AND id = @id
  AND published_at <= now() AND audience::text = ANY(@audiences::text[]);

-- name: GetOrganizationByID :one
SELECT * FROM organizations WHERE id = @id;

-- name: GetOrganizationBySlug :one
SELECT * FROM organizations WHERE slug = @slug;
