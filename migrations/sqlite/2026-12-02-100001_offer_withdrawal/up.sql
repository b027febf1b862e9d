-- An offer is withdrawn when its provider is suspended or revoked (a pending offer), or
-- revoked before the order started (an accepted one); the order is matched again. SQLite
-- cannot change a CHECK constraint in place: the table is rebuilt, its indexes with it.
CREATE TABLE offers_rebuilt (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    listing_id TEXT NOT NULL REFERENCES listings (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    starts_on DATE NOT NULL,
    price_pence BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled', 'withdrawn')),
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    reason TEXT
);
INSERT INTO offers_rebuilt (id, order_id, listing_id, provider_id, starts_on, price_pence, status,
    expires_at, created_at, answered_at, reason)
SELECT id, order_id, listing_id, provider_id, starts_on, price_pence, status,
    expires_at, created_at, answered_at, reason
FROM offers;
DROP TABLE offers;
ALTER TABLE offers_rebuilt RENAME TO offers;
CREATE UNIQUE INDEX offers_one_pending ON offers (order_id) WHERE status = 'pending';
CREATE INDEX offers_provider ON offers (provider_id, status, id);
CREATE INDEX offers_due ON offers (status, expires_at);
CREATE INDEX offers_order ON offers (order_id, listing_id);
CREATE INDEX offers_accepted ON offers (status, answered_at, order_id);
-- The orders a provider holds, found when its standing changes.
CREATE INDEX orders_provider ON orders (provider_id, status);
-- Unmatched orders are offered a freed place earliest required-by first.
CREATE INDEX orders_waiting ON orders (status, required_by, id);
