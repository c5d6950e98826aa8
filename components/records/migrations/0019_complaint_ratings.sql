-- Customers rate how their complaint was handled, once it is closed, on the portal: a score
-- from 1 (very unhappy) to 5 (very happy) and an optional comment (crm_domain::complaint::Rating).
-- One rating per complaint, never changed: the primary key keeps a second one out even when two
-- requests race. The complaints report counts them per score (CSAT) over the complaints of its
-- period, reading each by its complaint's id.

CREATE TABLE complaint_rating (
    complaint_id  TEXT PRIMARY KEY REFERENCES complaint (id),
    score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment       TEXT NOT NULL,
    rated_at      TEXT NOT NULL
) STRICT;
