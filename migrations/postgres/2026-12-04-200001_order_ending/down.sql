DROP TABLE breaches;
DROP TABLE order_failures;
ALTER TABLE orders DROP COLUMN ended_at;
ALTER TABLE orders DROP COLUMN ended_by;
ALTER TABLE orders DROP COLUMN end_detail;
ALTER TABLE orders DROP COLUMN end_reason;
UPDATE orders SET status = 'in_delivery' WHERE status = 'paused';
UPDATE orders SET status = 'failed' WHERE status = 'terminated';
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('open', 'offered', 'accepted', 'in_delivery', 'completed', 'failed',
        'unmatched', 'awaiting_approval', 'cancelled'));
