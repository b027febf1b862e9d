-- An order in delivery can be paused (breach proceedings) and terminated (ended by the
-- offender manager with a reason); the reason, its details, who and when are kept.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('open', 'offered', 'accepted', 'in_delivery', 'completed', 'failed',
        'unmatched', 'awaiting_approval', 'cancelled', 'paused', 'terminated'));
ALTER TABLE orders ADD COLUMN end_reason TEXT
    CHECK (end_reason IN ('custody', 'breach', 'transfer', 'death', 'moved_away', 'revised'));
ALTER TABLE orders ADD COLUMN end_detail TEXT;
ALTER TABLE orders ADD COLUMN ended_by TEXT;
ALTER TABLE orders ADD COLUMN ended_at TIMESTAMP;

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
