DROP INDEX orders_waiting;
DROP INDEX orders_provider;
CREATE TABLE offers_rebuilt (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    listing_id TEXT NOT NULL REFERENCES listings (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    starts_on DATE NOT NULL,
    price_pence BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled')),
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    reason TEXT
);
INSERT INTO offers_rebuilt (id, order_id, listing_id, provider_id, starts_on, price_pence, status,
    expires_at, created_at, answered_at, reason)
SELECT id, order_id, listing_id, provider_id, starts_on, price_pence, CASE status WHEN 'withdrawn' THEN 'cancelled' ELSE status END,
    expires_at, created_at, answered_at, reason
FROM offers;
DROP TABLE offers;
ALTER TABLE offers_rebuilt RENAME TO offers;
CREATE UNIQUE INDEX offers_one_pending ON offers (order_id) WHERE status = 'pending';
CREATE INDEX offers_provider ON offers (provider_id, status, id);
CREATE INDEX offers_due ON offers (status, expires_at);
CREATE INDEX offers_order ON offers (order_id, listing_id);
CREATE INDEX offers_accepted ON offers (status, answered_at, order_id);
