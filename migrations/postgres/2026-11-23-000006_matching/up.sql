-- Where an order is placed: the listing, its provider, the price locked when it was
-- placed, the start date of the place it holds, and why the engine chose as it did.
ALTER TABLE orders ADD COLUMN listing_id TEXT REFERENCES listings (id);
ALTER TABLE orders ADD COLUMN provider_id TEXT REFERENCES providers (id);
ALTER TABLE orders ADD COLUMN price_pence BIGINT;
ALTER TABLE orders ADD COLUMN starts_on DATE;
ALTER TABLE orders ADD COLUMN explanation TEXT;
ALTER TABLE orders ADD COLUMN cancel_reason TEXT;
CREATE INDEX orders_matching ON orders (status, category, id);

-- An order placed with one listing, waiting for the provider's answer until it expires.
CREATE TABLE offers (
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
-- At most one offer of an order waits for an answer at a time.
CREATE UNIQUE INDEX offers_one_pending ON offers (order_id) WHERE status = 'pending';
CREATE INDEX offers_provider ON offers (provider_id, status, id);
CREATE INDEX offers_due ON offers (status, expires_at);
CREATE INDEX offers_order ON offers (order_id, listing_id);

-- How an area chooses among candidates; an area without a row uses best_price.
CREATE TABLE area_policies (
    area_code TEXT PRIMARY KEY REFERENCES areas (code),
    policy TEXT NOT NULL CHECK (policy IN ('best_price', 'best_value')),
    price_weight INTEGER NOT NULL,
    quality_weight INTEGER NOT NULL,
    days_weight INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- A commissioner's batch matching run and what it placed.
CREATE TABLE matching_runs (
    id TEXT PRIMARY KEY,
    area_code TEXT REFERENCES areas (code),
    orders_considered INTEGER NOT NULL,
    placed INTEGER NOT NULL,
    total_cost_pence BIGINT NOT NULL,
    greedy_cost_pence BIGINT NOT NULL,
    greedy_placed INTEGER NOT NULL,
    placements TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX matching_runs_created ON matching_runs (created_at, id);

-- The market changed in a way that may let unmatched orders match (a listing published,
-- capacity added, a provider accredited or reinstated, the threshold lowered). Written
-- in the transaction of the change; the background worker retries the unmatched orders
-- of the category (all categories when NULL) and deletes the request.
CREATE TABLE rematch_requests (
    id TEXT PRIMARY KEY,
    category TEXT,
    reason TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL
);
