-- Differentiated prices: an order locks the person's price (price_pence) and records how
-- it was reached, the listing's own price × the person's multiplier in basis points
-- (10000 = ×1.00). Orders placed before multipliers have neither.
ALTER TABLE orders ADD COLUMN list_price_pence BIGINT;
ALTER TABLE orders ADD COLUMN multiplier_bps INTEGER;
