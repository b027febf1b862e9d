-- The audit trail and the events are sealed after the change that wrote them commits.
-- A write transaction inserts its audit rows and events unsealed (no hash, no position);
-- one sealer at a time then chains the committed audit rows (`chain_pos`: their place in
-- the chain, with `prev_hash` and `row_hash`) and numbers the committed events
-- (`position`: the sequence number readers poll with), in the order it finds them
-- committed. `seq` stays the event's internal id (the outbox refers to it).
ALTER TABLE audit_log ADD COLUMN chain_pos BIGINT;
-- What is already there was chained in id order, and numbered in `seq` order.
UPDATE audit_log SET chain_pos = id;
CREATE UNIQUE INDEX audit_log_chain ON audit_log (chain_pos);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE chain_pos IS NULL;

ALTER TABLE events ADD COLUMN position BIGINT;
UPDATE events SET position = seq;
CREATE UNIQUE INDEX events_position ON events (position);
CREATE INDEX events_unsealed ON events (seq) WHERE position IS NULL;
DROP INDEX events_provider;
DROP INDEX events_area;
DROP INDEX events_order;
CREATE INDEX events_provider ON events (provider_id, position);
CREATE INDEX events_area ON events (area_code, position);
CREATE INDEX events_order ON events (order_id, position);
