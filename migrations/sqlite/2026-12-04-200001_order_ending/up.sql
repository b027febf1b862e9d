-- An order in delivery can be paused (breach proceedings) and terminated (ended by the
-- offender manager with a reason); the reason, its details, who and when are kept.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt, its indexes with
-- it. The tables referring to orders point at it by name: with foreign keys deferred, the
-- rows the drop orphaned are counted, and counted back as each order is written again,
-- so the commit finds every reference whole.
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
        'failed', 'unmatched', 'awaiting_approval', 'cancelled', 'paused', 'terminated')),
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
    budget_approved_by TEXT,
    end_reason TEXT
        CHECK (end_reason IN ('custody', 'breach', 'transfer', 'death', 'moved_away', 'revised')),
    end_detail TEXT,
    ended_by TEXT,
    ended_at TIMESTAMP
);
INSERT INTO orders (id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on, explanation, cancel_reason, actual_start, outcome, budget_approved_by)
SELECT id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on, explanation, cancel_reason, actual_start, outcome, budget_approved_by FROM orders_copy;
DROP TABLE orders_copy;
CREATE INDEX orders_area ON orders (area_code, id);
CREATE INDEX orders_crn ON orders (crn, id);
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_plan ON orders (plan_id);
CREATE INDEX orders_matching ON orders (status, category, id);
CREATE INDEX orders_provider ON orders (provider_id, status);
CREATE INDEX orders_waiting ON orders (status, required_by, id);

-- Enforcement: each missed appointment or non-compliance a provider reports waits for the
-- offender manager's decision (an acceptable absence, or a warning).
CREATE TABLE order_failures (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    delivery_event_id TEXT NOT NULL UNIQUE REFERENCES delivery_events (id),
    area_code TEXT NOT NULL REFERENCES areas (code),
    kind TEXT NOT NULL CHECK (kind IN ('missed', 'non_compliance')),
    occurred_on DATE NOT NULL,
    details TEXT,
    decision TEXT CHECK (decision IN ('acceptable', 'warning')),
    decision_note TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX order_failures_area ON order_failures (area_code, decision, id);
CREATE INDEX order_failures_order ON order_failures (order_id, id);

-- A breach of an order: flagged by the breach rule, proceedings started (the order
-- paused), and its outcome. At most one breach of an order is undecided at a time.
CREATE TABLE breaches (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    area_code TEXT NOT NULL REFERENCES areas (code),
    status TEXT NOT NULL CHECK (status IN ('flagged', 'in_proceedings', 'decided', 'closed')),
    flagged_at TIMESTAMP NOT NULL,
    proceedings_started_by TEXT,
    proceedings_started_at TIMESTAMP,
    outcome TEXT CHECK (outcome IN ('continue', 'varied', 'revoked')),
    variation TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX breaches_one_open ON breaches (order_id) WHERE status IN ('flagged', 'in_proceedings');
CREATE INDEX breaches_area ON breaches (area_code, status, id);
