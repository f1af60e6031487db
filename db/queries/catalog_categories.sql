-- Program categories: a tree per organization (see program_categories).

-- name: CreateCategory :one
-- A parent from another organization is a foreign-key violation; a taken
-- slug a unique violation (program_categories_organization_id_slug_key); a
-- tree deeper than six levels a check violation (program_categories_depth).
INSERT INTO program_categories (organization_id, parent_id, slug, title, position)
VALUES (@organization_id, sqlc.narg(parent_id), @slug, @title, @position)
RETURNING *;

-- name: GetCategory :one
SELECT * FROM program_categories WHERE organization_id = @organization_id AND id = @id;

-- name: ListCategories :many
-- The whole tree, parents before children, siblings by position and title.
SELECT * FROM program_categories
WHERE organization_id = @organization_id
ORDER BY nlevel(path), parent_id NULLS FIRST, position, title, id;

-- name: UpdateCategory :one
-- Moving under its own descendant is a check violation
-- (program_categories_no_cycle); the subtree moves along.
UPDATE program_categories SET
    parent_id = sqlc.narg(parent_id),
    slug = @slug,
    title = @title,
    position = @position,
    version = version + 1,
    updated_at = now()
WHERE organization_id = @organization_id AND id = @id AND version = @version
RETURNING *;

-- name: DeleteCategory :execrows
-- Fails with a foreign-key violation while the category has children; its
-- programs are left without a category.
DELETE FROM program_categories
WHERE organization_id = @organization_id AND id = @id AND version = @version;

-- name: ListCategoryWithDescendants :many
-- The ids of a category and everything under it.
SELECT d.id FROM program_categories c
JOIN program_categories d ON d.path <@ c.path
WHERE c.organization_id = @organization_id AND c.id = @id;
