-- The evidence behind adjusted quality scores reads only a provider's orders that count
-- (ended as the provider answers for, or with an outcome recorded); the index of all its
-- orders made every matching read the provider's whole history. The predicate is the
-- query's own (`provider_hub_store::performance::COUNTED`), word for word.
CREATE INDEX orders_counted ON orders (provider_id, category)
    WHERE status IN ('completed', 'failed') OR (status = 'terminated' AND end_reason = 'breach') OR outcome IS NOT NULL;
