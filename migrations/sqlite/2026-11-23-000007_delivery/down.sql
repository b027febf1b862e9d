ALTER TABLE orders DROP COLUMN budget_approved_by;
DROP TABLE budgets;
DROP TABLE payments;
DROP TABLE delivery_events;
ALTER TABLE orders DROP COLUMN outcome;
ALTER TABLE orders DROP COLUMN actual_start;
