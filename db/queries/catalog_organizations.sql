-- Organizations as centers: public profile, requisites and licence.
-- Updates take the version the client saw (If-Match) and return no row when
-- it is stale or the organization is gone; the handler tells them apart with
-- a read.

-- name: CreateOrganization :one
-- For platform operators; a taken slug is a unique violation
-- (organizations_slug_key).
INSERT INTO organizations (slug, name, short_name)
VALUES (@slug, @name, @short_name)
RETURNING *;

-- name: GetOrganization :one
SELECT * FROM organizations WHERE id = @id;

-- (GetOrganizationBySlug is in news_items.sql on main.)

-- name: UpdateOrganizationProfile :one
UPDATE organizations SET
    name = @name,
    short_name = @short_name,
    description_md = @description_md,
    description_html = @description_html,
    contact_email = @contact_email,
    contact_phone = @contact_phone,
    website = @website,
    address = @address,
    version = version + 1,
    updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: UpdateOrganizationRequisites :one
-- Identifiers arrive normalized by internal/requisites ('' = not given).
UPDATE organizations SET
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
    licence_date = @licence_date,
    licence_issuer = @licence_issuer,
    version = version + 1,
    updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: SetOrganizationLogo :one
-- logo_key NULL removes the logo; the caller deletes the old blob after
-- the transaction commits.
UPDATE organizations SET logo_key = sqlc.narg(logo_key), version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: ListCatalogOrganizations :many
-- The public list of centers: those with at least one published program,
-- by name, a page after the given name and id ('' and the nil id start).
SELECT o.id, o.slug, o.name, o.short_name, o.logo_key, o.address, sum(cc.programs)::bigint AS programs
FROM organizations o
JOIN catalog_org_counts cc ON cc.organization_id = o.id
WHERE (o.name, o.id) > (@after_name::text, @after_id::uuid)
GROUP BY o.id
HAVING sum(cc.programs) > 0
ORDER BY o.name, o.id
LIMIT @lim;
