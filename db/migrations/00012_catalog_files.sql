-- +goose Up
-- What the catalog keeps of its stored images (organizations' logos,
-- programs' covers): the blob's key in the bucket (internal/blob), its
-- sniffed type, size and SHA-256 (the download's ETag), and the file name
-- it was uploaded under. organizations.logo_key and programs.cover_key name
-- a row here; a replaced image's row and blob are deleted after the change
-- commits.
CREATE TABLE catalog_images (
    key              text PRIMARY KEY,
    organization_id  uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    content_type     text NOT NULL,
    size_bytes       bigint NOT NULL CHECK (size_bytes > 0),
    sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    file_name        text NOT NULL DEFAULT '' CHECK (length(file_name) <= 255),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_images_org ON catalog_images (organization_id);

-- +goose Down
DROP TABLE catalog_images;
