-- Applications' files as the archive publishes them (documents.ApplicationWorker).

-- name: GetApplicationForArchive :one
SELECT a.id, a.user_id, a.organization_id, a.submitted_at, p.title AS program_title, o.name AS organization_name
FROM applications a
JOIN programs p ON p.id = a.program_id
JOIN organizations o ON o.id = a.organization_id
WHERE a.id = @id;

-- name: GetSourceCurrentVersion :one
-- The current version of the document published for a source, if any.
SELECT v.* FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.number = d.current_version
WHERE d.source = @source AND d.source_id = @source_id;
