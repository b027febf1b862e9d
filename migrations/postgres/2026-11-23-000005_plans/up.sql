-- Lead times commissioners have set; a category not here uses the documented default.
CREATE TABLE lead_times (
    category TEXT PRIMARY KEY,
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 365),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- The sentence plan an approved assessment yields; approving it purchases.
CREATE TABLE sentence_plans (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL UNIQUE REFERENCES assessments (id),
    crn TEXT NOT NULL REFERENCES cases (crn),
    area_code TEXT NOT NULL REFERENCES areas (code),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved')),
    created_at TIMESTAMP NOT NULL,
    approved_at TIMESTAMP,
    approved_by TEXT
);

CREATE TABLE plan_items (
    id TEXT PRIMARY KEY,
    plan_id TEXT NOT NULL REFERENCES sentence_plans (id),
    position INTEGER NOT NULL,
    category TEXT NOT NULL,
    specification_code TEXT,
    requirement TEXT,
    needs TEXT NOT NULL,
    priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 3),
    required_by DATE NOT NULL,
    lead_time_days INTEGER NOT NULL,
    late BOOLEAN NOT NULL,
    UNIQUE (plan_id, position)
);

-- One intervention order per plan item, ever: the unique item makes a second approval
-- unable to buy twice.
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
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_area ON orders (area_code, id);
CREATE INDEX orders_crn ON orders (crn, id);
CREATE INDEX orders_status ON orders (status, id);
CREATE INDEX orders_plan ON orders (plan_id);
