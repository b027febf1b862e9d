DROP TABLE rematch_requests;
DROP TABLE matching_runs;
DROP TABLE area_policies;
DROP TABLE offers;
DROP INDEX orders_matching;
-- SQLite cannot drop a column that references another table: rebuild orders as it was.
CREATE TABLE orders_before_matching (
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
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO orders_before_matching
    SELECT id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by,
           status, created_by, created_at, updated_at
    FROM orders;
DROP TABLE orders;
ALTER TABLE orders_before_matching RENAME TO orders;
CREATE INDEX orders_area ON orders (area_code, id);
CREATE INDEX orders_crn ON orders (crn, id);
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_plan ON orders (plan_id);
