DROP INDEX events_provider;
DROP INDEX events_area;
DROP INDEX events_order;
DROP INDEX events_unsealed;
DROP INDEX events_position;
ALTER TABLE events DROP COLUMN position;
CREATE INDEX events_provider ON events (provider_id, seq);
CREATE INDEX events_area ON events (area_code, seq);
CREATE INDEX events_order ON events (order_id, seq);

DROP INDEX audit_log_unsealed;
DROP INDEX audit_log_chain;
ALTER TABLE audit_log DROP COLUMN chain_pos;
