-- name: GetDefaultOrganization :one
SELECT * FROM organizations WHERE is_default;

-- name: UpsertOrganization :one
INSERT INTO organizations (slug, name)
VALUES (@slug, @name)
ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
RETURNING *;

-- name: GetOrganizationBySlug :one
SELECT * FROM organizations WHERE slug = @slug;
