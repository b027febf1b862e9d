-- Transfers between areas (SPEC.md §2, "Transfer"): a case moved from one area to another,
-- by an offender manager of the sending area, with what the move did to each of its
-- orders (`orders`: a JSON array of {order_id, action, status_before, status_after,
-- replaced_by}). Both areas' offender managers read it.
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    crn TEXT NOT NULL REFERENCES cases (crn),
    from_area TEXT NOT NULL REFERENCES areas (code),
    to_area TEXT NOT NULL REFERENCES areas (code),
    reason TEXT NOT NULL,
    orders TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (from_area <> to_area)
);
CREATE INDEX transfers_from ON transfers (from_area, id);
CREATE INDEX transfers_to ON transfers (to_area, id);
CREATE INDEX transfers_crn ON transfers (crn, id);
