-- The single assessment of a case: risk, needs and the court's requirements.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    external_ref TEXT NOT NULL UNIQUE,
    crn TEXT NOT NULL REFERENCES cases (crn),
    area_code TEXT NOT NULL REFERENCES areas (code),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'rejected')),
    tier INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 4),
    risk_of_serious_harm TEXT NOT NULL,
    reoffending_probability INTEGER NOT NULL CHECK (reoffending_probability BETWEEN 0 AND 100),
    needs TEXT NOT NULL,
    requirements TEXT NOT NULL,
    sentence_date DATE NOT NULL,
    content_hash TEXT NOT NULL,
    author_sub TEXT NOT NULL,
    decided_by TEXT,
    decision_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP
);
CREATE INDEX assessments_area ON assessments (area_code, id);
CREATE INDEX assessments_crn ON assessments (crn, id);
