-- Cases: a person on probation, known only by a case reference number.
CREATE TABLE cases (
    crn TEXT PRIMARY KEY,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male')),
    date_of_birth DATE NOT NULL,
    area_code TEXT NOT NULL REFERENCES areas (code),
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX cases_area ON cases (area_code, crn);
