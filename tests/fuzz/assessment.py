"""A complete assessment body for the seeded case, for tests/fuzz/run."""

NEEDS = ["accommodation", "education_training_employment", "finance", "relationships", "lifestyle",
         "drugs", "alcohol", "emotional_wellbeing", "thinking_behaviour", "attitudes"]


def body(external_ref):
    return {
        "external_ref": external_ref, "crn": "X123456", "tier": 2,
        "risk_of_serious_harm": "medium", "reoffending_probability": 45,
        "needs": [{"need": n, "severity": "high" if n == "alcohol" else "low",
                   "linked_to_offending": n == "alcohol"} for n in NEEDS],
        "requirements": [{"type": "unpaid_work", "hours": 120}, {"type": "alcohol_treatment", "months": 6}],
        "sentence_date": "2026-11-02",
    }
