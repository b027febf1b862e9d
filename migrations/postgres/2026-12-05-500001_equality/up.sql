-- Equality monitoring (SPEC.md §2): optional, recorded by the offender manager on a case.
-- Kept apart from `cases` so that nothing that reads a case for delivery (the referral
-- pack, offers, orders, events) can carry it; only the equality report counts it.
-- `ethnic_group`: an ONS 2021 category or prefer_not_to_say; `disability`: yes, no or
-- prefer_not_to_say; null: not recorded.
CREATE TABLE case_equality (
    crn TEXT PRIMARY KEY REFERENCES cases (crn),
    ethnic_group TEXT,
    disability TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
