-- Enrollment applications. Reads are scoped: an applicant's by user_id, an
-- organization's by organization_id and never a draft (the organization
-- sees only what the applicant sent it).

-- name: CreateApplication :one
-- The personal data is prefilled from the applicant's profile. A second open
-- application to the group is a unique violation (applications_one_open).
INSERT INTO applications (
    organization_id, program_id, group_id, user_id,
    last_name, first_name, patronymic, birth_date, sex, citizenship, snils
)
SELECT @organization_id, @program_id, @group_id, u.id,
       u.last_name, u.first_name, u.patronymic, u.birth_date, u.sex, u.citizenship, u.snils
FROM users u WHERE u.id = @user_id
RETURNING *;

-- name: GetUserApplication :one
SELECT * FROM applications WHERE user_id = @user_id AND id = @id;

-- name: GetOrgApplication :one
SELECT * FROM applications WHERE organization_id = @organization_id AND id = @id AND submitted_at IS NOT NULL;

-- name: LockApplication :one
SELECT * FROM applications WHERE id = @id FOR UPDATE;

-- name: ApplicationContext :one
-- What an application's answers show of its program, group and organization.
SELECT p.title AS program_title, p.slug AS program_slug, p.kind AS program_kind,
       p.required_documents, p.requires_snils, p.requires_prior_education, p.auto_approve,
       p.price_minor, p.currency,
       g.code AS group_code, g.title AS group_title, g.starts_on, g.ends_on, g.status AS group_status,
       o.name AS organization_name
FROM programs p
JOIN study_groups g ON g.organization_id = p.organization_id AND g.program_id = p.id
JOIN organizations o ON o.id = p.organization_id
WHERE p.id = @program_id AND g.id = @group_id;

-- name: GetGroupForApplication :one
-- The group an applicant applies to, with its program; only a published
-- program's groups.
SELECT sqlc.embed(g), p.status AS program_status, p.auto_approve
FROM study_groups g
JOIN programs p ON p.organization_id = g.organization_id AND p.id = g.program_id
WHERE g.id = @id AND p.status = 'published';

-- name: ListUserApplications :many
-- The applicant's applications, newest first, a page after (created_at, id).
SELECT sqlc.embed(a), p.title AS program_title, g.code AS group_code, o.name AS organization_name
FROM applications a
JOIN programs p ON p.id = a.program_id
JOIN study_groups g ON g.id = a.group_id
JOIN organizations o ON o.id = a.organization_id
WHERE a.user_id = @user_id
  AND (sqlc.narg(status)::application_status IS NULL OR a.status = sqlc.narg(status)::application_status)
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (a.created_at, a.id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY a.created_at DESC, a.id DESC
LIMIT @lim;

-- name: ListOrgApplications :many
-- The managers' queue: sent applications (never drafts) of the given
-- statuses, oldest waiting first, a page after (waiting_since, id).
SELECT sqlc.embed(a), p.title AS program_title, g.code AS group_code, o.name AS organization_name
FROM applications a
JOIN programs p ON p.id = a.program_id
JOIN study_groups g ON g.id = a.group_id
JOIN organizations o ON o.id = a.organization_id
WHERE a.organization_id = @organization_id
  AND a.submitted_at IS NOT NULL
  AND a.status::text = ANY (@statuses::text[])
  AND (sqlc.narg(program_id)::uuid IS NULL OR a.program_id = sqlc.narg(program_id)::uuid)
  AND (sqlc.narg(group_id)::uuid IS NULL OR a.group_id = sqlc.narg(group_id)::uuid)
  AND (sqlc.narg(waiting_before)::timestamptz IS NULL OR a.waiting_since < sqlc.narg(waiting_before)::timestamptz)
  AND (sqlc.narg(waiting_after)::timestamptz IS NULL OR a.waiting_since >= sqlc.narg(waiting_after)::timestamptz)
  AND (sqlc.narg(after_waiting_since)::timestamptz IS NULL
       OR (a.waiting_since, a.id) > (sqlc.narg(after_waiting_since)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY a.waiting_since, a.id
LIMIT @lim;

-- name: UpdateApplicationData :one
-- Replaces the personal and prior-education data of an application.
UPDATE applications SET
    last_name = @last_name, first_name = @first_name, patronymic = sqlc.narg(patronymic),
    birth_date = sqlc.narg(birth_date), sex = sqlc.narg(sex), citizenship = sqlc.narg(citizenship),
    snils = sqlc.narg(snils), education_level = sqlc.narg(education_level),
    diploma_series = sqlc.narg(diploma_series), diploma_number = sqlc.narg(diploma_number),
    diploma_surname = sqlc.narg(diploma_surname),
    version = version + 1, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: SetApplicationStatus :one
-- Moves an application to @status at @now, keeping the timestamps the
-- queue and the waiting list sort by.
UPDATE applications SET
    status = @status::application_status,
    waiting_since = CASE WHEN @status::application_status IN ('submitted', 'resubmitted') THEN @now::timestamptz ELSE waiting_since END,
    submitted_at = CASE WHEN @status::application_status IN ('submitted', 'resubmitted') THEN coalesce(submitted_at, @now::timestamptz)
                        ELSE submitted_at END,
    decided_at = CASE WHEN @status::application_status IN ('approved', 'rejected') THEN @now::timestamptz ELSE decided_at END,
    waitlisted_at = CASE WHEN @status::application_status = 'waitlisted' THEN coalesce(waitlisted_at, @now::timestamptz) ELSE NULL END,
    version = version + 1, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: SetApplicationConsent :exec
UPDATE applications SET consent_policy_version = @policy_version, consent_at = @at::timestamptz
WHERE id = @id;

-- name: WaitlistPosition :one
-- 1 for the first in line.
SELECT count(*)::integer + 1 AS position FROM applications
WHERE group_id = @group_id AND status = 'waitlisted' AND (waitlisted_at, id) < (@waitlisted_at::timestamptz, @id::uuid);

-- name: LockWaitlistHead :one
-- The first waiting application of a group, locked; one locked by a
-- concurrent transaction (being withdrawn or decided) is skipped, so that
-- two transactions never wait on each other's rows.
SELECT * FROM applications
WHERE group_id = @group_id AND status = 'waitlisted'
ORDER BY waitlisted_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED;

-- name: ApprovedSeat :one
SELECT a.id, a.program_id, a.group_id, a.organization_id, p.title, p.price_minor, p.currency
FROM applications a
JOIN programs p ON p.id = a.program_id
WHERE a.user_id = @user_id AND a.id = @id AND a.status = 'approved';

-- name: HasProgramAccess :one
SELECT EXISTS (
    SELECT 1 FROM applications a
    JOIN study_groups g ON g.id = a.group_id
    WHERE a.user_id = @user_id AND a.program_id = @program_id AND a.status = 'approved'
      AND g.status IN ('running', 'finished')
);

-- name: WithdrawOpenApplicationsOfClosedUser :exec
-- Account closure: applications that hold no seat are withdrawn and lose
-- their personal data; approved ones stay with the organization as its
-- record of the enrollment.
WITH closed AS (
    UPDATE applications SET
        status = CASE WHEN status IN ('rejected', 'withdrawn') THEN status ELSE 'withdrawn' END,
        last_name = '—', first_name = '—', patronymic = NULL, birth_date = NULL, sex = NULL,
        citizenship = NULL, snils = NULL, education_level = NULL, diploma_series = NULL,
        diploma_number = NULL, diploma_surname = NULL, waitlisted_at = NULL,
        version = version + 1, updated_at = now()
    WHERE user_id = @user_id AND status <> 'approved'
    RETURNING id, status
)
INSERT INTO application_events (application_id, event, actor_id, to_status, reason)
SELECT id, 'withdrawn', @user_id::uuid, 'withdrawn', 'account closed' FROM closed;

-- name: DeleteDocumentsOfClosedUser :many
-- The documents of the applications closure withdrew; the caller deletes
-- their blobs.
DELETE FROM application_documents d
USING applications a
WHERE a.id = d.application_id AND a.user_id = @user_id AND a.status <> 'approved'
RETURNING d.blob_key;

-- name: CountUserGroupApplications :one
SELECT count(*) FROM applications WHERE user_id = @user_id AND group_id = @group_id;

-- name: SetProgramAutoApprove :exec
UPDATE programs SET auto_approve = @auto_approve WHERE id = @id;
