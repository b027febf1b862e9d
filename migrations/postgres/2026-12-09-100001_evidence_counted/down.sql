DROP INDEX orders_counted;
