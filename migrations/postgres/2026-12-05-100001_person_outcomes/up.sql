-- Outcomes per person (issue 17): the outcome milestone is earned by the person over a
-- measurement period, graduated and attributed across the orders started in it, and
-- recorded (so paid) at most once per person and period.
-- `attribution`: a JSON array of {order_id, provider_id, price_pence, amount_pence}.
-- `predicted_milli`: the reoffences predicted, in thousandths.
CREATE TABLE person_outcomes (
    id TEXT PRIMARY KEY,
    crn TEXT NOT NULL REFERENCES cases (crn),
    area_code TEXT NOT NULL REFERENCES areas (code),
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    proven_reoffences INTEGER NOT NULL CHECK (proven_reoffences >= 0),
    reoffending_probability INTEGER NOT NULL,
    predicted_milli BIGINT NOT NULL,
    binary_percent INTEGER NOT NULL,
    frequency_percent INTEGER NOT NULL,
    pot_pence BIGINT NOT NULL,
    binary_pence BIGINT NOT NULL,
    frequency_pence BIGINT NOT NULL,
    amount_pence BIGINT NOT NULL,
    attribution TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('api', 'upload')),
    upload_id TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (crn, period_start),
    CHECK (period_start < period_end),
    CHECK (amount_pence = binary_pence + frequency_pence)
);
CREATE INDEX person_outcomes_area ON person_outcomes (area_code, id);
CREATE INDEX person_outcomes_crn ON person_outcomes (crn, id);

-- A CSV upload of reoffending data (`crn,period_start,proven_reoffences`), processed in
-- the background in chunks; `rows_processed` is where a resumed upload carries on.
CREATE TABLE reoffending_uploads (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'done')),
    body TEXT NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_processed INTEGER NOT NULL DEFAULT 0,
    rows_recorded INTEGER NOT NULL DEFAULT 0,
    rows_refused INTEGER NOT NULL DEFAULT 0,
    uploaded_by TEXT NOT NULL,
    uploaded_role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX reoffending_uploads_status ON reoffending_uploads (status, created_at);

-- The rows of an upload that were refused: the line (1 is the header) and why.
CREATE TABLE reoffending_refusals (
    upload_id TEXT NOT NULL REFERENCES reoffending_uploads (id),
    line INTEGER NOT NULL,
    crn TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (upload_id, line)
);
