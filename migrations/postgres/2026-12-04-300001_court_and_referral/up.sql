-- The court that passed the sentence (SPEC.md §1, the `court` role): a court sees the
-- orders of the sentences it passed, found through the assessment that carries them.
ALTER TABLE assessments ADD COLUMN court_code TEXT;
CREATE INDEX assessments_court ON assessments (court_code, id);

-- How a provider reaches the offender manager of a case (the referral pack's contact),
-- set by the offender manager.
CREATE TABLE case_contacts (
    crn TEXT PRIMARY KEY REFERENCES cases (crn),
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- What the offender manager adds for the delivery of one order (accessibility, an
-- interpreter, ...), read by its provider in the referral pack.
CREATE TABLE referral_notes (
    order_id TEXT PRIMARY KEY REFERENCES orders (id),
    notes TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- Every read of a referral pack: who read it, for which provider, and when.
CREATE TABLE referral_pack_reads (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    reader_sub TEXT NOT NULL,
    read_at TIMESTAMP NOT NULL
);
CREATE INDEX referral_pack_reads_order ON referral_pack_reads (order_id, read_at);
