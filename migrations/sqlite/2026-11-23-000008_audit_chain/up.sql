-- A hash chain over the audit trail: each row carries the hash of the row before it and
-- its own, so an edited, inserted or deleted row breaks the chain from there on.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN row_hash TEXT;
