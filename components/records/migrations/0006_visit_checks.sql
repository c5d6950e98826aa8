-- Visit verification: the outcome of calling the customer about a recorded visit.

CREATE TABLE visit_check (
    activity_id  TEXT PRIMARY KEY REFERENCES activity (id),
    outcome      TEXT NOT NULL CHECK (outcome IN ('confirmed', 'not_confirmed', 'no_answer')),
    note         TEXT NOT NULL DEFAULT '',
    checked_by   TEXT NOT NULL,
    checked_at   TEXT NOT NULL
) STRICT;
