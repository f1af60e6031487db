-- Programs. Single-row queries return the whole row (db.Program; its
-- SearchVector is the tsvector's text and can be ignored); updates take the
-- version the client saw (If-Match) and return no row when it is stale.

-- name: CreateProgram :one
-- A taken slug is a unique violation (programs_organization_id_slug_key);
-- ПК/ПП without СНИЛС, prior education or their document a check violation
-- (programs_state_format).
INSERT INTO programs (
    organization_id, category_id, slug, title, short_description, description_md, description_html,
    kind, completion_document, academic_hours, format, price_minor, currency, tags, cover_key,
    required_documents, requires_snils, requires_prior_education
) VALUES (
    @organization_id, sqlc.narg(category_id), @slug, @title, @short_description, @description_md, @description_html,
    @kind, @completion_document, @academic_hours, @format, @price_minor, @currency, @tags, sqlc.narg(cover_key),
    @required_documents, @requires_snils, @requires_prior_education
)
RETURNING *;

-- name: GetProgram :one
SELECT * FROM programs WHERE organization_id = @organization_id AND id = @id;

-- name: GetProgramBySlug :one
SELECT * FROM programs WHERE organization_id = @organization_id AND slug = @slug;

-- name: GetPublishedProgram :one
-- The public page of a program: only a published one, by the slugs of its
-- organization and its own.
SELECT sqlc.embed(p), o.name AS organization_name, o.short_name AS organization_short_name
FROM programs p
JOIN organizations o ON o.id = p.organization_id
WHERE o.slug = @organization_slug AND p.slug = @program_slug AND p.status = 'published';

-- name: ListPrograms :many
-- Staff's list of an organization's programs, newest first, optionally of
-- one status, a page after (created_at, id) of the previous page's last row
-- (NULLs start).
SELECT id, category_id, slug, title, kind, format, status, academic_hours, price_minor, currency,
       cover_key, published_at, next_start_on, version, created_at, updated_at
FROM programs
WHERE organization_id = @organization_id
  AND (sqlc.narg(status)::program_status IS NULL OR status = sqlc.narg(status)::program_status)
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @lim;

-- name: UpdateProgram :one
UPDATE programs SET
    category_id = sqlc.narg(category_id),
    slug = @slug,
    title = @title,
    short_description = @short_description,
    description_md = @description_md,
    description_html = @description_html,
    kind = @kind,
    completion_document = @completion_document,
    academic_hours = @academic_hours,
    format = @format,
    price_minor = @price_minor,
    currency = @currency,
    tags = @tags,
    required_documents = @required_documents,
    requires_snils = @requires_snils,
    requires_prior_education = @requires_prior_education,
    version = version + 1,
    updated_at = now()
WHERE organization_id = @organization_id AND id = @id AND version = @version
RETURNING *;

-- name: SetProgramCover :one
-- cover_key NULL removes the cover; the caller deletes the old blob after
-- the transaction commits.
UPDATE programs SET cover_key = sqlc.narg(cover_key), version = version + 1, updated_at = now()
WHERE organization_id = @organization_id AND id = @id AND version = @version
RETURNING *;

-- name: SetProgramStatus :one
-- Publish, unpublish (back to draft) or archive. The first publication
-- stamps published_at, which later ones keep ("newest" stays stable).
UPDATE programs SET
    status = @status,
    published_at = CASE WHEN @status::program_status = 'draft' THEN published_at
                        ELSE coalesce(published_at, now()) END,
    version = version + 1,
    updated_at = now()
WHERE organization_id = @organization_id AND id = @id AND version = @version
RETURNING *;

-- name: DeleteProgram :execrows
-- Only a draft that was never published may be deleted; others are
-- archived, since applications and documents refer to them.
DELETE FROM programs
WHERE organization_id = @organization_id AND id = @id AND version = @version
  AND status = 'draft' AND published_at IS NULL;

-- name: AddProgramTeacher :execrows
-- Zero rows when the user is not an active teacher of the organization or is
-- already assigned.
INSERT INTO program_teachers (organization_id, program_id, user_id, position)
SELECT m.organization_id, p.id, m.user_id, @position
FROM memberships m
JOIN programs p ON p.organization_id = m.organization_id AND p.id = @program_id
WHERE m.organization_id = @organization_id AND m.user_id = @user_id
  AND m.role = 'teacher' AND m.status = 'active'
ON CONFLICT (program_id, user_id) DO NOTHING;

-- name: RemoveProgramTeacher :execrows
DELETE FROM program_teachers
WHERE organization_id = @organization_id AND program_id = @program_id AND user_id = @user_id;

-- name: ListProgramTeachers :many
SELECT t.user_id, u.first_name, u.last_name, t.position
FROM program_teachers t
JOIN users u ON u.id = t.user_id
WHERE t.organization_id = @organization_id AND t.program_id = @program_id
ORDER BY t.position, u.last_name, u.first_name, t.user_id;
