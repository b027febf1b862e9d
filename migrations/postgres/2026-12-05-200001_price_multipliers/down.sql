ALTER TABLE orders DROP COLUMN multiplier_bps;
ALTER TABLE orders DROP COLUMN list_price_pence;
