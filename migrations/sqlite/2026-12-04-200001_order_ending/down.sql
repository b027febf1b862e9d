DROP TABLE breaches;
DROP TABLE order_failures;
PRAGMA defer_foreign_keys = ON;
DROP INDEX orders_area;
DROP INDEX orders_crn;
DROP INDEX orders_status;
DROP INDEX orders_plan;
DROP INDEX orders_matching;
DROP INDEX orders_provider;
DROP INDEX orders_waiting;
CREATE TABLE orders_copy AS SELECT * FROM orders;
DROP TABLE orders;
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES sentence_plans (id),
    plan_item_id TEXT NOT NULL UNIQUE REFERENCES plan_items (id),
    crn TEXT NOT NULL REFERENCES cases (crn),
    area_code TEXT NOT NULL REFERENCES areas (code),
    category TEXT NOT NULL,
    specification_code TEXT,
    required_by DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'offered', 'accepted', 'in_delivery', 'completed',
        'failed', 'unmatched', 'awaiting_approval', 'cancelled')),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    listing_id TEXT REFERENCES listings (id),
    provider_id TEXT REFERENCES providers (id),
    price_pence BIGINT,
    starts_on DATE,
    explanation TEXT,
    cancel_reason TEXT,
    actual_start DATE,
    outcome TEXT,
    budget_approved_by TEXT
);
INSERT INTO orders (id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on, explanation, cancel_reason, actual_start, outcome, budget_approved_by)
SELECT id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, CASE status WHEN 'paused' THEN 'in_delivery' WHEN 'terminated' THEN 'failed' ELSE status END, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on, explanation, cancel_reason, actual_start, outcome, budget_approved_by FROM orders_copy;
DROP TABLE orders_copy;
CREATE INDEX orders_area ON orders (area_code, id);
CREATE INDEX orders_crn ON orders (crn, id);
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_plan ON orders (plan_id);
CREATE INDEX orders_matching ON orders (status, category, id);
CREATE INDEX orders_provider ON orders (provider_id, status);
CREATE INDEX orders_waiting ON orders (status, required_by, id);
