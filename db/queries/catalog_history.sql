-- The catalog's change history, written by triggers (00013_catalog_history).

-- name: SetCatalogActor :exec
-- Names the user whose changes the rest of the transaction makes; call it
-- inside store.InTx before the catalog writes.
SELECT set_config('kabinet.actor_id', CAST(sqlc.arg(actor_id)::uuid AS text), true);

-- name: ListEntityHistory :many
-- One entity's changes, newest first, a page before the given id (0 starts).
SELECT h.id, h.action, h.actor_id, u.first_name AS actor_first_name, u.last_name AS actor_last_name,
       h.at, h.changes
FROM catalog_history h
LEFT JOIN users u ON u.id = h.actor_id
WHERE h.organization_id = @organization_id AND h.entity_type = @entity_type AND h.entity_id = @entity_id
  AND (@before_id::bigint = 0 OR h.id < @before_id::bigint)
ORDER BY h.id DESC
LIMIT @lim;

-- name: ListOrganizationHistory :many
-- Every catalog change of an organization, newest first.
SELECT h.id, h.entity_type, h.entity_id, h.action, h.actor_id,
       u.first_name AS actor_first_name, u.last_name AS actor_last_name, h.at, h.changes
FROM catalog_history h
LEFT JOIN users u ON u.id = h.actor_id
WHERE h.organization_id = @organization_id
  AND (@before_id::bigint = 0 OR h.id < @before_id::bigint)
ORDER BY h.id DESC
LIMIT @lim;
