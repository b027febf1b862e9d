DROP TABLE reoffending_refusals;
DROP TABLE reoffending_uploads;
DROP TABLE person_outcomes;
