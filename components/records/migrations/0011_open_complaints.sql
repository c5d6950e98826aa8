-- A customer's open complaints are counted on every filing and every read of a complaint (the
-- customer's history) and of the overview: counted from this partial index alone, without
-- reading the rows of the customer's closed complaints.

CREATE INDEX complaint_open_by_customer ON complaint (customer_id)
    WHERE status NOT IN ('resolved', 'closed');
