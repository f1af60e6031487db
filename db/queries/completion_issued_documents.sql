-- name: GetCompletionSettings :one
SELECT * FROM completion_settings WHERE organization_id = @organization_id;

-- name: UpsertCompletionSettings :one
INSERT INTO completion_settings (
    organization_id, prefix, city, signatory_title, signatory_name,
    qualification_pattern, qualification_reset, qualification_series,
    diploma_pattern, diploma_reset, diploma_series,
    certificate_pattern, certificate_reset, certificate_series, updated_by, updated_at)
VALUES (@organization_id, @prefix, @city, @signatory_title, @signatory_name,
    @qualification_pattern, @qualification_reset, @qualification_series,
    @diploma_pattern, @diploma_reset, @diploma_series,
    @certificate_pattern, @certificate_reset, @certificate_series, @updated_by, now())
ON CONFLICT (organization_id) DO UPDATE SET
    prefix = excluded.prefix, city = excluded.city, signatory_title = excluded.signatory_title,
    signatory_name = excluded.signatory_name,
    qualification_pattern = excluded.qualification_pattern, qualification_reset = excluded.qualification_reset,
    qualification_series = excluded.qualification_series,
    diploma_pattern = excluded.diploma_pattern, diploma_reset = excluded.diploma_reset, diploma_series = excluded.diploma_series,
    certificate_pattern = excluded.certificate_pattern, certificate_reset = excluded.certificate_reset,
    certificate_series = excluded.certificate_series, updated_by = excluded.updated_by, updated_at = now()
RETURNING *;

-- name: LockCompletion :exec
-- Serializes the issuance of one learner's document for one program until
-- the transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('completion:' || (@user_id::uuid)::text || ':' || (@program_id::uuid)::text, 0));

-- name: LatestApprovedApplication :one
-- The application a completion check issues for: the learner's latest
-- approved one to a running or finished group of the program.
SELECT a.id FROM applications a
JOIN study_groups g ON g.id = a.group_id
WHERE a.user_id = @user_id AND a.program_id = @program_id AND a.status = 'approved'
  AND g.status IN ('running', 'finished')
ORDER BY a.decided_at DESC NULLS LAST, a.id DESC
LIMIT 1;

-- name: GetCompletionSource :one
-- What a document is made from: the application, its program, group and
-- organization.
SELECT sqlc.embed(a), sqlc.embed(p), sqlc.embed(g), sqlc.embed(o)
FROM applications a
JOIN programs p ON p.id = a.program_id
JOIN study_groups g ON g.id = a.group_id
JOIN organizations o ON o.id = a.organization_id
WHERE a.id = @application_id;

-- name: GetValidCompletionDocument :one
SELECT * FROM issued_documents WHERE user_id = @user_id AND program_id = @program_id AND status = 'valid';

-- name: InsertCompletionDocument :one
INSERT INTO issued_documents (
    id, organization_id, program_id, group_id, application_id, user_id, kind,
    registration_number, seq, period, series, number, issued_at, issued_on,
    program_title, program_kind, hours, studied_from, studied_to,
    last_name, first_name, patronymic, birth_date, sex, citizenship, snils,
    education_level, diploma_series, diploma_number, diploma_surname,
    reissue_of, issued_by, override_reason, status_index, pdf_key, pdf_sha256, pdf_size, credential_jwt)
VALUES (
    @id, @organization_id, @program_id, @group_id, @application_id, @user_id, @kind,
    @registration_number, @seq, @period, @series, @number, @issued_at, @issued_on,
    @program_title, @program_kind, @hours, sqlc.narg(studied_from), sqlc.narg(studied_to),
    @last_name, @first_name, sqlc.narg(patronymic), sqlc.narg(birth_date), sqlc.narg(sex), sqlc.narg(citizenship), sqlc.narg(snils),
    sqlc.narg(education_level), sqlc.narg(diploma_series), sqlc.narg(diploma_number), sqlc.narg(diploma_surname),
    sqlc.narg(reissue_of), sqlc.narg(issued_by), sqlc.narg(override_reason), @status_index, @pdf_key, @pdf_sha256, @pdf_size, @credential_jwt)
RETURNING *;

-- name: GetCompletionDocumentView :one
-- A document with its organization's name and slug (public verification).
SELECT sqlc.embed(d), o.name AS organization_name, o.slug AS organization_slug
FROM issued_documents d JOIN organizations o ON o.id = d.organization_id
WHERE d.id = @id;

-- name: FindCompletionDocumentByNumber :one
SELECT sqlc.embed(d), o.name AS organization_name, o.slug AS organization_slug
FROM issued_documents d JOIN organizations o ON o.id = d.organization_id
WHERE o.slug = @slug AND d.registration_number = @registration_number;

-- name: ListOrgCompletionDocuments :many
-- The organization's documents, newest first, a page after (issued_at, id).
SELECT sqlc.embed(d), o.name AS organization_name, o.slug AS organization_slug
FROM issued_documents d JOIN organizations o ON o.id = d.organization_id
WHERE d.organization_id = @organization_id
  AND (sqlc.narg(program_id)::uuid IS NULL OR d.program_id = sqlc.narg(program_id)::uuid)
  AND (sqlc.narg(group_id)::uuid IS NULL OR d.group_id = sqlc.narg(group_id)::uuid)
  AND (sqlc.narg(user_id)::uuid IS NULL OR d.user_id = sqlc.narg(user_id)::uuid)
  AND (sqlc.narg(status)::text IS NULL OR d.status::text = sqlc.narg(status)::text)
  AND (sqlc.narg(issued_from)::timestamptz IS NULL OR d.issued_at >= sqlc.narg(issued_from)::timestamptz)
  AND (sqlc.narg(issued_before)::timestamptz IS NULL OR d.issued_at < sqlc.narg(issued_before)::timestamptz)
  AND (sqlc.narg(number)::text IS NULL OR d.registration_number = sqlc.narg(number)::text)
  AND (sqlc.narg(after_issued_at)::timestamptz IS NULL
       OR (d.issued_at, d.id) < (sqlc.narg(after_issued_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY d.issued_at DESC, d.id DESC
LIMIT @lim;

-- name: ListUserCompletionDocuments :many
SELECT sqlc.embed(d), o.name AS organization_name, o.slug AS organization_slug
FROM issued_documents d JOIN organizations o ON o.id = d.organization_id
WHERE d.user_id = @user_id
  AND (sqlc.narg(after_issued_at)::timestamptz IS NULL
       OR (d.issued_at, d.id) < (sqlc.narg(after_issued_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY d.issued_at DESC, d.id DESC
LIMIT @lim;

-- name: RevokeCompletionDocument :one
UPDATE issued_documents
SET status = 'revoked', revoked_at = @revoked_at, revoked_by = sqlc.narg(revoked_by), revoke_reason = @reason
WHERE id = @id AND organization_id = @organization_id AND status = 'valid'
RETURNING *;

-- name: RevokedStatusIndexes :many
-- The revoked entries of one status list of an organization.
SELECT status_index FROM issued_documents
WHERE organization_id = @organization_id AND status = 'revoked'
  AND status_index >= @from_index AND status_index < @to_index
ORDER BY status_index;

-- name: CompletionDocumentsIssuedBetween :many
-- The ФИС ФРДО export: every document issued in [from, to), oldest first.
SELECT * FROM issued_documents
WHERE organization_id = @organization_id AND issued_on >= @from_date AND issued_on < @to_date
ORDER BY issued_at, id;
