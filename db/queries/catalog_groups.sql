-- Groups (cohorts) of a program.

-- name: CreateGroup :one
-- A program of another organization is a foreign-key violation; a taken
-- code within the program a unique violation (study_groups_program_id_code_key).
INSERT INTO study_groups (
    organization_id, program_id, code, title, starts_on, ends_on,
    enrollment_opens_at, enrollment_closes_at, capacity, schedule_notes, status
) VALUES (
    @organization_id, @program_id, @code, @title, @starts_on, @ends_on,
    sqlc.narg(enrollment_opens_at), sqlc.narg(enrollment_closes_at), @capacity, @schedule_notes, @status
)
RETURNING *;

-- name: GetGroup :one
SELECT * FROM study_groups WHERE organization_id = @organization_id AND id = @id;

-- name: ListProgramGroups :many
-- A program's groups by start date.
SELECT * FROM study_groups
WHERE organization_id = @organization_id AND program_id = @program_id
ORDER BY starts_on, code, id;

-- name: ListPublicProgramGroups :many
-- The groups a visitor may see: not canceled and not finished.
SELECT * FROM study_groups
WHERE program_id = @program_id AND status IN ('planned', 'enrolling', 'running')
ORDER BY starts_on, code, id;

-- name: UpdateGroup :one
-- A capacity below the seats already taken is a check violation
-- (study_groups_seats).
UPDATE study_groups SET
    code = @code,
    title = @title,
    starts_on = @starts_on,
    ends_on = @ends_on,
    enrollment_opens_at = sqlc.narg(enrollment_opens_at),
    enrollment_closes_at = sqlc.narg(enrollment_closes_at),
    capacity = @capacity,
    schedule_notes = @schedule_notes,
    version = version + 1,
    updated_at = now()
WHERE organization_id = @organization_id AND id = @id AND version = @version
RETURNING *;

-- name: SetGroupStatus :one
UPDATE study_groups SET status = @status, version = version + 1, updated_at = now()
WHERE organization_id = @organization_id AND id = @id AND version = @version
RETURNING *;

-- name: DeleteGroup :execrows
-- Only a group nobody was approved for.
DELETE FROM study_groups
WHERE organization_id = @organization_id AND id = @id AND version = @version AND seats_taken = 0;

-- name: TakeGroupSeat :one
-- Takes one seat for an approval if the group is enrolling, its window is
-- open at @now and a seat is free; no row otherwise. The condition and the
-- increment are one statement, so of two approvals racing for the last
-- seat exactly one gets a row. It does not bump the version: seats are not
-- an edit of the group.
UPDATE study_groups SET seats_taken = seats_taken + 1
WHERE organization_id = @organization_id AND id = @id
  AND status = 'enrolling'
  AND (enrollment_opens_at IS NULL OR enrollment_opens_at <= @now::timestamptz)
  AND (enrollment_closes_at IS NULL OR @now::timestamptz < enrollment_closes_at)
  AND (capacity = 0 OR seats_taken < capacity)
RETURNING *;

-- name: ReleaseGroupSeat :one
-- Gives a seat back (an approved learner withdrew).
UPDATE study_groups SET seats_taken = seats_taken - 1
WHERE organization_id = @organization_id AND id = @id AND seats_taken > 0
RETURNING *;
