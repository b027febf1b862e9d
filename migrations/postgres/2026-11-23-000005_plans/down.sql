DROP TABLE orders;
DROP TABLE plan_items;
DROP TABLE sentence_plans;
DROP TABLE lead_times;
