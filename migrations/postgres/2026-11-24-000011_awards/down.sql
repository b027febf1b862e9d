DROP INDEX offers_accepted;
