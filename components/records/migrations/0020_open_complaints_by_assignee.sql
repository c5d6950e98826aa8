-- An escalation that reassigns picks the least busy member of staff with the level's role by
-- counting each one's open complaints. With only (assignee_id, created_at) the count read every
-- complaint ever assigned to them, closed ones included; this partial index holds the open ones.
CREATE INDEX complaint_open_by_assignee ON complaint (assignee_id)
    WHERE status NOT IN ('resolved', 'closed');
