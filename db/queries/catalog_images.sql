-- Stored images of the catalog (logos, covers): see 00012_catalog_files.

-- name: CreateCatalogImage :one
INSERT INTO catalog_images (key, organization_id, content_type, size_bytes, sha256, file_name)
VALUES (@key, @organization_id, @content_type, @size_bytes, @sha256, @file_name)
RETURNING *;

-- name: GetCatalogImage :one
SELECT * FROM catalog_images WHERE key = @key;

-- name: DeleteCatalogImage :exec
DELETE FROM catalog_images WHERE key = @key;
