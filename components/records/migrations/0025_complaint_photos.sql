-- Photos customers attach to their complaints on the portal (with the filing, a reply or a
-- reopening): the picture's own bytes, its kind as told from them, its size and SHA-256.
-- Kept in SQLite with the complaint, so a photo is written in the transaction of the filing
-- or reply it came with, and read only through records, which checks whose complaint it is.
-- Listed in the order they were attached (rowid).

CREATE TABLE complaint_photo (
    id            TEXT PRIMARY KEY,
    complaint_id  TEXT NOT NULL REFERENCES complaint (id),
    content_type  TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size          INTEGER NOT NULL CHECK (size > 0),
    sha256        TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    added_by      TEXT NOT NULL,
    added_at      TEXT NOT NULL
) STRICT;

CREATE INDEX complaint_photo_by_complaint ON complaint_photo (complaint_id);
