DROP TABLE case_equality;
