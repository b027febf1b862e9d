-- What delivery reached: the actual start, and the outcome a commissioner recorded.
ALTER TABLE orders ADD COLUMN actual_start DATE;
ALTER TABLE orders ADD COLUMN outcome TEXT;

-- What a provider reported about delivering an order.
CREATE TABLE delivery_events (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL CHECK (kind IN ('started', 'attended', 'missed', 'non_compliance',
        'completed', 'failed')),
    occurred_on DATE NOT NULL,
    details TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX delivery_events_order ON delivery_events (order_id, id);

-- One payment per milestone of an order, ever: the database refuses a second.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    milestone TEXT NOT NULL CHECK (milestone IN ('start', 'completion', 'outcome')),
    amount_pence BIGINT NOT NULL CHECK (amount_pence >= 0),
    area_code TEXT NOT NULL REFERENCES areas (code),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    financial_year INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (order_id, milestone)
);
CREATE INDEX payments_area ON payments (area_code, id);
CREATE INDEX payments_provider ON payments (provider_id, id);

-- An area's pooled budget for a financial year (April–March, named by its first year).
CREATE TABLE budgets (
    area_code TEXT NOT NULL REFERENCES areas (code),
    financial_year INTEGER NOT NULL,
    allocated_pence BIGINT NOT NULL CHECK (allocated_pence >= 0),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (area_code, financial_year)
);

-- A commissioner's approval of an order's spend over its area's budget.
ALTER TABLE orders ADD COLUMN budget_approved_by TEXT;
