-- Attempts per sender (the client's address) and purpose, for the limits of records' throttle
-- module: the public lead form (until now in lead_capture, whose rows move here), and the
-- portal's sign-up and sign-in. Rows older than their purpose's window are deleted as new
-- attempts are counted.

CREATE TABLE sender_attempt (
    scope       TEXT NOT NULL,
    client_key  TEXT NOT NULL,
    at          INTEGER NOT NULL
) STRICT;

CREATE INDEX sender_attempt_by_client ON sender_attempt (scope, client_key, at);

INSERT INTO sender_attempt (scope, client_key, at)
SELECT 'lead-capture', client_key, at FROM lead_capture;

DROP TABLE lead_capture;
