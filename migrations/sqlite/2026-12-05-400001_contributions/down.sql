DROP TABLE carry_over_rules;
DROP TABLE budget_contributions;
