-- An order is updated several times in its life (accepted, started, completed, its
-- outcome): room left on each page lets an update that changes no indexed column (the
-- outcome, the actual start, updated_at) stay on its page without touching the table's
-- ten indexes (a heap-only tuple). New pages keep a fifth free; old ones fill as before.
ALTER TABLE orders SET (fillfactor = 80);
