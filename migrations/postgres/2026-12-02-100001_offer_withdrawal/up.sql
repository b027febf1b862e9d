-- An offer is withdrawn when its provider is suspended or revoked (a pending offer), or
-- revoked before the order started (an accepted one); the order is matched again.
ALTER TABLE offers DROP CONSTRAINT offers_status_check;
ALTER TABLE offers ADD CONSTRAINT offers_status_check
    CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled', 'withdrawn'));
-- The orders a provider holds, found when its standing changes.
CREATE INDEX orders_provider ON orders (provider_id, status);
-- Unmatched orders are offered a freed place earliest required-by first.
CREATE INDEX orders_waiting ON orders (status, required_by, id);
