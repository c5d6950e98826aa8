-- What became of a lead (the funnel report): its opportunities, found by lead; and won deals
-- by their order.

CREATE INDEX opportunity_by_lead ON opportunity (lead_id);

CREATE INDEX opportunity_by_order ON opportunity (order_id);
