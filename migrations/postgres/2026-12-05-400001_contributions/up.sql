-- Pooled budgets (SPEC.md §2, "Contribution"): the agencies funding an area's budget for a
-- financial year, each by its key (`probation`, `health`, …) and amount. A budget with
-- contributions is allocated their sum; one without reads as a single unattributed pool.
CREATE TABLE budget_contributions (
    area_code TEXT NOT NULL,
    financial_year INTEGER NOT NULL,
    contributor TEXT NOT NULL CHECK (length(contributor) BETWEEN 1 AND 60),
    amount_pence BIGINT NOT NULL CHECK (amount_pence >= 0),
    PRIMARY KEY (area_code, financial_year, contributor),
    FOREIGN KEY (area_code, financial_year) REFERENCES budgets (area_code, financial_year)
);

-- An area's carry-over rule: what its unspent budget does at a financial year's end.
-- No row: nothing carries (`none`).
CREATE TABLE carry_over_rules (
    area_code TEXT PRIMARY KEY REFERENCES areas (code),
    rule TEXT NOT NULL CHECK (rule IN ('none', 'all', 'capped')),
    cap_percent INTEGER CHECK (cap_percent BETWEEN 0 AND 100),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    CHECK ((rule = 'capped') = (cap_percent IS NOT NULL))
);
