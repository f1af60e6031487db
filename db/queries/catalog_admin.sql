-- Staff's side of the catalog beyond db/queries/catalog_*.sql of the schema:
-- one update of an organization's whole catalog card, filtered and paged
-- lists.

-- name: UpdateOrganizationCard :one
-- Profile, requisites and licence in one versioned update (identifiers
-- arrive normalized by internal/requisites; '' = not given).
UPDATE organizations SET
    name = @name,
    short_name = @short_name,
    description_md = @description_md,
    description_html = @description_html,
    contact_email = @contact_email,
    contact_phone = @contact_phone,
    website = @website,
    address = @address,
    legal_name = @legal_name,
    inn = @inn,
    kpp = @kpp,
    ogrn = @ogrn,
    legal_address = @legal_address,
    bank_name = @bank_name,
    bik = @bik,
    settlement_account = @settlement_account,
    correspondent_account = @correspondent_account,
    licence_number = @licence_number,
    licence_date = sqlc.narg(licence_date),
    licence_issuer = @licence_issuer,
    version = version + 1,
    updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: ListStaffPrograms :many
-- Staff's list of an organization's programs, newest first: optionally of
-- one status, of a category with its descendants, and matching a text (a
-- substring of the title or slug, or the words of the search vector); a
-- page after (created_at, id) of the previous page's last row.
SELECT p.id, p.category_id, p.slug, p.title, p.kind, p.format, p.status, p.academic_hours, p.price_minor,
       p.currency, p.cover_key, p.published_at, p.next_start_on, p.version, p.created_at, p.updated_at
FROM programs p
WHERE p.organization_id = @organization_id
  AND (sqlc.narg(status)::program_status IS NULL OR p.status = sqlc.narg(status)::program_status)
  AND (sqlc.narg(category_id)::uuid IS NULL OR p.category_id IN (
        SELECT d.id FROM program_categories c JOIN program_categories d ON d.path <@ c.path
        WHERE c.organization_id = @organization_id AND c.id = sqlc.narg(category_id)::uuid))
  AND (sqlc.narg(text_pattern)::text IS NULL
       OR p.title ILIKE sqlc.narg(text_pattern)::text OR p.slug ILIKE sqlc.narg(text_pattern)::text
       OR p.search_vector @@ catalog_search_query(sqlc.narg(text_query)::text))
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (p.created_at, p.id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY p.created_at DESC, p.id DESC
LIMIT @lim;

-- name: ListGroupsPage :many
-- A program's groups by start date, a page after (starts_on, id); public
-- pages see only planned, enrolling and running groups.
SELECT * FROM study_groups
WHERE organization_id = @organization_id AND program_id = @program_id
  AND (NOT @public_only::boolean OR status IN ('planned', 'enrolling', 'running'))
  AND (sqlc.narg(after_starts_on)::date IS NULL
       OR (starts_on, id) > (sqlc.narg(after_starts_on)::date, sqlc.narg(after_id)::uuid))
ORDER BY starts_on, id
LIMIT @lim;

-- name: CountCategories :one
SELECT count(*) FROM program_categories WHERE organization_id = @organization_id;

-- name: CategoryHasPrograms :one
SELECT EXISTS (SELECT 1 FROM programs WHERE organization_id = @organization_id AND category_id = @id);

-- name: ListCatalogHistory :many
-- The catalog changes of an organization, newest first, optionally of one
-- kind of entity and of one entity.
SELECT h.id, h.entity_type, h.entity_id, h.action, h.actor_id,
       u.first_name AS actor_first_name, u.last_name AS actor_last_name, h.at, h.changes
FROM catalog_history h
LEFT JOIN users u ON u.id = h.actor_id
WHERE h.organization_id = @organization_id
  AND (sqlc.narg(entity_type)::catalog_entity IS NULL OR h.entity_type = sqlc.narg(entity_type)::catalog_entity)
  AND (sqlc.narg(entity_id)::uuid IS NULL OR h.entity_id = sqlc.narg(entity_id)::uuid)
  AND (@before_id::bigint = 0 OR h.id < @before_id::bigint)
ORDER BY h.id DESC
LIMIT @lim;

-- name: ListProgramTeacherIDs :many
SELECT user_id FROM program_teachers
WHERE organization_id = @organization_id AND program_id = @program_id
ORDER BY position, user_id;

-- name: ClearProgramTeachers :exec
DELETE FROM program_teachers WHERE organization_id = @organization_id AND program_id = @program_id;

-- name: ListActiveTeachers :many
-- Which of the given users are active teachers of the organization.
SELECT user_id FROM memberships
WHERE organization_id = @organization_id AND user_id = ANY(@user_ids::uuid[])
  AND role = 'teacher' AND status = 'active';

-- name: LockCategory :one
-- Locks a category before it is deleted: a program being put in it
-- concurrently waits (its foreign-key check needs the row), so the check
-- for programs that follows cannot miss one.
SELECT id FROM program_categories WHERE organization_id = @organization_id AND id = @id FOR UPDATE;
