-- Published awards (GET /v1/awards) are accepted offers in the order they were accepted:
-- this index serves the status filter, the date range and the cursor's order at once.
CREATE INDEX offers_accepted ON offers (status, answered_at, order_id);
