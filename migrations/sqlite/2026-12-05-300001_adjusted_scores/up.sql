-- The continuity principle (SPEC.md §2): a best_value area prefers, by this many pence,
-- a provider already delivering or having delivered an order for the person in the
-- same or a related category (0 turns it off).
ALTER TABLE area_policies ADD COLUMN continuity_pence INTEGER NOT NULL DEFAULT 5000
    CHECK (continuity_pence >= 0);
-- The evidence behind adjusted quality scores: a provider's orders by category.
CREATE INDEX orders_evidence ON orders (provider_id, category, status);
