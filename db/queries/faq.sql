-- name: CreateFaqCategory :one
-- Without a position the category goes last.
INSERT INTO faq_categories (organization_id, title, audience, position)
VALUES (@organization_id, @title, @audience,
        COALESCE(sqlc.narg(position)::int,
                 (SELECT COALESCE(max(position), 0) + 1 FROM faq_categories WHERE organization_id = @organization_id)))
RETURNING *;

-- name: CountFaqCategories :one
SELECT count(*)::int FROM faq_categories WHERE organization_id = @organization_id;

-- name: UpdateFaqCategory :one
UPDATE faq_categories SET title = @title, audience = @audience, position = COALESCE(sqlc.narg(position)::int, position), updated_at = now()
WHERE organization_id = @organization_id AND id = @id
RETURNING *;

-- name: DeleteFaqCategory :execrows
DELETE FROM faq_categories WHERE organization_id = @organization_id AND id = @id;

-- name: GetFaqCategory :one
SELECT * FROM faq_categories WHERE organization_id = @organization_id AND id = @id;

-- name: ListFaqCategories :many
SELECT * FROM faq_categories
WHERE organization_id = @organization_id AND audience::text = ANY(@audiences::text[])
ORDER BY position, id;

-- name: CreateFaqEntry :one
INSERT INTO faq_entries (organization_id, category_id, question, answer_markdown, answer_html, audience, position)
VALUES (@organization_id, @category_id, @question, @answer_markdown, @answer_html, @audience,
        COALESCE(sqlc.narg(position)::int,
                 (SELECT COALESCE(max(position), 0) + 1 FROM faq_entries WHERE category_id = @category_id)))
RETURNING id, organization_id, category_id, question, answer_markdown, answer_html, audience, position, created_at, updated_at;

-- name: UpdateFaqEntry :one
UPDATE faq_entries SET category_id = @category_id, question = @question, answer_markdown = @answer_markdown,
    answer_html = @answer_html, audience = @audience, position = COALESCE(sqlc.narg(position)::int, position), updated_at = now()
WHERE organization_id = @organization_id AND id = @id
RETURNING id, organization_id, category_id, question, answer_markdown, answer_html, audience, position, created_at, updated_at;

-- name: DeleteFaqEntry :execrows
DELETE FROM faq_entries WHERE organization_id = @organization_id AND id = @id;

-- name: ListFaqEntries :many
-- Visible entries (entry and category both of the given audiences) in
-- reading order: by category, then by entry.
SELECT e.id, e.organization_id, e.category_id, e.question, e.answer_markdown, e.answer_html, e.audience,
       e.position, e.created_at, e.updated_at, c.position AS category_position
FROM faq_entries e JOIN faq_categories c ON c.id = e.category_id
WHERE e.organization_id = @organization_id
  AND e.audience::text = ANY(@audiences::text[]) AND c.audience::text = ANY(@audiences::text[])
  AND (sqlc.narg(category_id)::uuid IS NULL OR e.category_id = sqlc.narg(category_id))
  AND (sqlc.narg(after_id)::uuid IS NULL
       OR (c.position, e.position, e.id) > (sqlc.narg(after_category_position)::int, sqlc.narg(after_position)::int, sqlc.narg(after_id)::uuid))
ORDER BY c.position, e.position, e.id
LIMIT @max_rows;

-- name: SearchFaqEntries :many
-- Full-text search in both languages; question matches rank first.
SELECT * FROM (
    SELECT e.id, e.organization_id, e.category_id, e.question, e.answer_markdown, e.answer_html, e.audience,
           e.position, e.created_at, e.updated_at,
           ts_rank(e.search, websearch_to_tsquery('russian', @query) || websearch_to_tsquery('english', @query)) AS rank
    FROM faq_entries e JOIN faq_categories c ON c.id = e.category_id
    WHERE e.organization_id = @organization_id
      AND e.audience::text = ANY(@audiences::text[]) AND c.audience::text = ANY(@audiences::text[])
      AND (sqlc.narg(category_id)::uuid IS NULL OR e.category_id = sqlc.narg(category_id))
      AND e.search @@ (websearch_to_tsquery('russian', @query) || websearch_to_tsquery('english', @query))
) found
WHERE sqlc.narg(after_id)::uuid IS NULL
   OR (found.rank, found.id) < (sqlc.narg(after_rank)::real, sqlc.narg(after_id)::uuid)
ORDER BY found.rank DESC, found.id DESC
LIMIT @max_rows;
