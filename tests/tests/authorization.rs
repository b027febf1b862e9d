//! The authorization matrix: every route of the OpenAPI document, who may call it, and
//! proof, on both backends, that everyone else is refused and changes nothing.
//!
//! A route added to the API without a row here fails `every_documented_route_is_in_the_matrix`.
//! Routes on tenant-owned objects (a provider's listings, an area's cases) add rows that
//! also call them as another tenant and expect 404.

use std::collections::BTreeSet;

use provider_hub_tests::{
    attend_in_full, both_backends, json, specification_body, status_and_json, TestApp,
};
use serde_json::Value;

const ROLES: [&str; 7] = [
    "offender_manager",
    "provider",
    "quality",
    "commissioner",
    "admin",
    "court",
    "analyst",
];

/// Who may call a route.
#[derive(Clone, Copy)]
enum Access {
    /// No token needed.
    Public,
    /// Any authenticated role.
    AnyRole,
    /// Only these roles; every other role gets 403.
    Only(&'static [&'static str]),
}

/// Whose object a route acts on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// No tenant owns it.
    Hub,
    /// The seeded provider owns it: another provider gets 404, as if it did not exist.
    Provider,
    /// It belongs to the seeded area (SY-SHF): another area's offender manager gets 404.
    Area,
}

struct Rule {
    method: &'static str,
    /// The route template, as in the OpenAPI document.
    template: &'static str,
    /// A concrete path against the seeded data: `{provider}` is the seeded provider,
    /// `{standing}` a provider whose standing the rows change, `{listing}` its published
    /// listing, `{draft}` its draft listing, `{case}` a case of SY-SHF, `{assessment}` a draft
    /// assessment of it and `{submitted}` a submitted one (both by another manager), `{plan}`
    /// the sentence plan of a third, approved, `{proposed}` a proposed plan and `{item}` its
    /// first item, `{order}` an order its approval created and
    /// `{offer}` that order's offer to the seeded provider; `{offer2}` another such offer;
    /// `{order2}` that other offer's order (accepted by its row), `{completed}` an order
    /// delivered to completion; `{awaiting}` an order over its area's (nil) budget for
    /// financial year `{year}`; `{run}` a batch matching run; `{dead}` a webhook delivery
    /// to the seeded provider given up on; `{delivering}` an order in delivery with a
    /// warning already given and `{failure}` a missed session of it waiting for a decision;
    /// `{moving}` a case of SY-SHF with nothing bought, to transfer, and `{transfer}`
    /// another's transfer from SY-SHF to SY-BAR; `{upload}` an upload of reoffending data.
    /// Rows run in order.
    path: &'static str,
    access: Access,
    owner: Owner,
    body: fn() -> Option<Value>,
}

fn no_body() -> Option<Value> {
    None
}

/// Who records reoffending and reads person-period outcomes.
const OUTCOME_RECORDERS: &[&str] = &["commissioner", "analyst"];

/// The case of `{completed}`, whose measurement period is over (its start set back).
const COMPLETED_CASE: &str = "X123465";

/// The CSV body the upload row sends.
const UPLOAD_CSV: &str = "crn,period_start,proven_reoffences\nX123465,,0\n";

const MATRIX: &[Rule] = &[
    Rule {
        method: "GET",
        template: "/metrics",
        path: "/metrics",
        access: Access::Public,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/problems",
        path: "/problems",
        access: Access::Public,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/problems/{slug}",
        path: "/problems/validation",
        access: Access::Public,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/health/live",
        path: "/health/live",
        access: Access::Public,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/health/ready",
        path: "/health/ready",
        access: Access::Public,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/areas",
        path: "/v1/areas",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/areas",
        path: "/v1/areas",
        access: Access::Only(&["admin"]),
        owner: Owner::Hub,
        body: || {
            Some(
                json!({"code": "SY-DON", "name": "Doncaster", "region": "Yorkshire and the Humber"}),
            )
        },
    },
    Rule {
        method: "GET",
        template: "/v1/areas/{code}",
        path: "/v1/areas/SY-SHF",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/specifications",
        path: "/v1/specifications",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/specifications",
        path: "/v1/specifications",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || Some(specification_body("NEW-SPEC")),
    },
    Rule {
        method: "GET",
        template: "/v1/specifications/{code}",
        path: "/v1/specifications/UPW-STD",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/specifications/{code}/versions",
        path: "/v1/specifications/UPW-STD/versions",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || Some(json!({"price_cap_pence": 61000})),
    },
    Rule {
        method: "GET",
        template: "/v1/specifications/{code}/versions/{version}",
        path: "/v1/specifications/UPW-STD/versions/1",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "PATCH",
        template: "/v1/specifications/{code}/versions/{version}",
        path: "/v1/specifications/DRAFT-ONE/versions/1",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || Some(json!({"title": "Edited"})),
    },
    Rule {
        method: "POST",
        template: "/v1/specifications/{code}/versions/{version}/publish",
        path: "/v1/specifications/DRAFT-ONE/versions/1/publish",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/specifications/{code}/versions/{version}/retire",
        path: "/v1/specifications/RET-ME/versions/1/retire",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/providers",
        path: "/v1/providers",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/providers",
        path: "/v1/providers",
        access: Access::Only(&["admin"]),
        owner: Owner::Hub,
        body: || {
            Some(
                json!({"name": "New provider", "sector": "private", "registration_number": "NEW-1",
                        "contact": {"name": "Desk", "email": "desk@example.org"}}),
            )
        },
    },
    Rule {
        method: "GET",
        template: "/v1/providers/{id}",
        path: "/v1/providers/{provider}",
        access: Access::AnyRole,
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/providers/{id}/accreditations",
        path: "/v1/providers/{provider}/accreditations",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || {
            let today = chrono::Utc::now().date_naive();
            Some(
                json!({"category": "alcohol_treatment", "score": 75, "assessed_on": today.to_string(),
                        "expires_on": (today + chrono::Duration::days(365)).to_string()}),
            )
        },
    },
    Rule {
        method: "POST",
        template: "/v1/providers/{id}/suspend",
        path: "/v1/providers/{standing}/suspend",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || Some(json!({"reason": "under review"})),
    },
    Rule {
        method: "POST",
        template: "/v1/providers/{id}/reinstate",
        path: "/v1/providers/{standing}/reinstate",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || Some(json!({"reason": "review closed"})),
    },
    Rule {
        method: "POST",
        template: "/v1/providers/{id}/revoke",
        path: "/v1/providers/{standing}/revoke",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || Some(json!({"reason": "contract ended"})),
    },
    Rule {
        method: "GET",
        template: "/v1/quality/threshold",
        path: "/v1/quality/threshold",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/quality/threshold/preview",
        path: "/v1/quality/threshold/preview?threshold=75",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "PUT",
        template: "/v1/quality/threshold",
        path: "/v1/quality/threshold",
        access: Access::Only(&["quality"]),
        owner: Owner::Hub,
        body: || Some(json!({"threshold": 60})),
    },
    Rule {
        method: "GET",
        template: "/v1/listings",
        path: "/v1/listings",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/listings",
        path: "/v1/listings",
        access: Access::Only(&["provider"]),
        owner: Owner::Hub,
        body: || Some(provider_hub_tests::listing_body(50_000)),
    },
    Rule {
        method: "GET",
        template: "/v1/listings/{id}",
        path: "/v1/listings/{listing}",
        access: Access::AnyRole,
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "PATCH",
        template: "/v1/listings/{id}",
        path: "/v1/listings/{listing}",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: || Some(json!({"price_pence": 48_000})),
    },
    Rule {
        method: "PUT",
        template: "/v1/listings/{id}/capacity",
        path: "/v1/listings/{listing}/capacity",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        // Keeps the seeded start date, whose places are sold, and adds another.
        body: || {
            let seeded = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
            Some(json!({"slots": [
                {"starts_on": seeded.to_string(), "places": 10},
                {"starts_on": "2027-01-04", "places": 6}
            ]}))
        },
    },
    Rule {
        method: "POST",
        template: "/v1/listings/{id}/publish",
        path: "/v1/listings/{draft}/publish",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/listings/{id}/pause",
        path: "/v1/listings/{listing}/pause",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/listings/{id}/withdraw",
        path: "/v1/listings/{listing}/withdraw",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/cases",
        path: "/v1/cases",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/cases",
        path: "/v1/cases",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Hub,
        body: || {
            Some(
                json!({"crn": "Z999999", "sex": "male", "date_of_birth": "1985-02-03", "area": "SY-SHF"}),
            )
        },
    },
    Rule {
        method: "GET",
        template: "/v1/cases/{crn}",
        path: "/v1/cases/{case}",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "PUT",
        template: "/v1/cases/{crn}/equality",
        path: "/v1/cases/{case}/equality",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"ethnic_group": "white_british", "disability": "no"})),
    },
    Rule {
        method: "GET",
        template: "/v1/cases/{crn}/equality",
        path: "/v1/cases/{case}/equality",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/cases/{crn}/transfers",
        path: "/v1/cases/{moving}/transfers",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"to_area": "SY-DON", "reason": "moved in with family"})),
    },
    Rule {
        method: "GET",
        template: "/v1/transfers",
        path: "/v1/transfers",
        access: Access::Only(&["offender_manager", "quality", "commissioner"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/transfers/{id}",
        path: "/v1/transfers/{transfer}",
        access: Access::Only(&["offender_manager", "quality", "commissioner"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/assessments",
        path: "/v1/assessments",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/assessments",
        path: "/v1/assessments",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Hub,
        body: || Some(provider_hub_tests::assessment_body("MATRIX-NEW", CASE)),
    },
    Rule {
        method: "GET",
        template: "/v1/assessments/{id}",
        path: "/v1/assessments/{assessment}",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/assessments/{id}/submit",
        path: "/v1/assessments/{assessment}/submit",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/assessments/{id}/approve",
        path: "/v1/assessments/{assessment}/approve",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/assessments/{id}/reject",
        path: "/v1/assessments/{submitted}/reject",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"reason": "does not match the report"})),
    },
    Rule {
        method: "GET",
        template: "/v1/assessments/{id}/sentence-plan",
        path: "/v1/assessments/{assessment}/sentence-plan",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/sentence-plans/{id}/approve",
        path: "/v1/sentence-plans/{plan}/approve",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/court/orders",
        path: "/v1/court/orders",
        access: Access::Only(&["court"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/sentence-plans",
        path: "/v1/sentence-plans?due_for_review=2099-12-31",
        access: Access::Only(&["offender_manager", "quality", "commissioner"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/availability-quotes",
        path: "/v1/availability-quotes",
        access: Access::Only(&["offender_manager", "court"]),
        owner: Owner::Hub,
        body: || {
            Some(json!({
                "area": "SY-SHF", "sex": "female", "age": 30, "risk_of_serious_harm": "low",
                "tier": 1, "requirements": [{"category": "unpaid_work"}]
            }))
        },
    },
    Rule {
        method: "GET",
        template: "/v1/sentence-plans/{id}",
        path: "/v1/sentence-plans/{plan}",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/sentence-plans/{id}/items/{item}/remove",
        path: "/v1/sentence-plans/{proposed}/items/{item}/remove",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"reason": "not needed"})),
    },
    Rule {
        method: "POST",
        template: "/v1/sentence-plans/{id}/items/{item}/defer",
        path: "/v1/sentence-plans/{proposed}/items/{item}/defer",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"reason": "later"})),
    },
    Rule {
        method: "POST",
        template: "/v1/sentence-plans/{id}/items/{item}/restore",
        path: "/v1/sentence-plans/{proposed}/items/{item}/restore",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/sentence-plans/{id}/sequence",
        path: "/v1/sentence-plans/{proposed}/sequence",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"sequence": []})),
    },
    Rule {
        method: "GET",
        template: "/v1/orders",
        path: "/v1/orders",
        access: Access::Only(&["offender_manager", "provider", "quality", "commissioner"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/orders/{id}",
        path: "/v1/orders/{order}",
        access: Access::Only(&["offender_manager", "provider", "quality", "commissioner"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/orders/{id}/ranking",
        path: "/v1/orders/{order}/ranking",
        access: Access::Only(&["offender_manager", "quality", "commissioner"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/areas/{code}/policy",
        path: "/v1/areas/SY-SHF/policy",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "PUT",
        template: "/v1/areas/{code}/policy",
        path: "/v1/areas/SY-SHF/policy",
        access: Access::Only(&["commissioner"]),
        owner: Owner::Hub,
        body: || {
            Some(
                json!({"policy": "best_value", "weights": {"price": 1, "quality": 100, "days": 50}}),
            )
        },
    },
    Rule {
        method: "GET",
        template: "/v1/offers",
        path: "/v1/offers",
        access: Access::Only(&["provider", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/offers/{id}/decline",
        path: "/v1/offers/{offer}/decline",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: || Some(json!({"reason": "no staff free that week"})),
    },
    Rule {
        method: "POST",
        template: "/v1/offers/{id}/accept",
        path: "/v1/offers/{offer2}/accept",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/orders/{id}/delivery-events",
        path: "/v1/orders/{order2}/delivery-events",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: || Some(json!({"type": "started"})),
    },
    Rule {
        method: "PUT",
        template: "/v1/orders/{id}/referral-notes",
        path: "/v1/orders/{order2}/referral-notes",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"notes": "Needs a ground-floor room"})),
    },
    Rule {
        method: "PUT",
        template: "/v1/cases/{crn}/contact",
        path: "/v1/cases/{case}/contact",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"name": "Ann Hughes", "email": "ann.hughes@probation.example"})),
    },
    Rule {
        method: "GET",
        template: "/v1/cases/{crn}/contact",
        path: "/v1/cases/{case}/contact",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/orders/{id}/referral-pack",
        path: "/v1/orders/{order2}/referral-pack",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/orders/{id}/referral-pack/reads",
        path: "/v1/orders/{order2}/referral-pack/reads",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/reoffending",
        path: "/v1/reoffending",
        access: Access::Only(OUTCOME_RECORDERS),
        owner: Owner::Hub,
        body: || Some(json!({"crn": COMPLETED_CASE, "proven_reoffences": 0})),
    },
    Rule {
        method: "GET",
        template: "/v1/outcomes",
        path: "/v1/outcomes?crn=X123465",
        access: Access::Only(OUTCOME_RECORDERS),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/reoffending/uploads",
        path: "/v1/reoffending/uploads",
        access: Access::Only(OUTCOME_RECORDERS),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/reoffending/uploads/{id}",
        path: "/v1/reoffending/uploads/{upload}",
        access: Access::Only(OUTCOME_RECORDERS),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/payments",
        path: "/v1/payments",
        access: Access::Only(&["provider", "commissioner", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/reports/spend",
        path: "/v1/reports/spend",
        access: Access::Only(&["commissioner", "quality", "analyst"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/reports/unmet-demand",
        path: "/v1/reports/unmet-demand",
        access: Access::Only(&["commissioner", "quality", "analyst"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/reports/waiting-times",
        path: "/v1/reports/waiting-times",
        access: Access::Only(&["commissioner", "quality", "analyst"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/reports/providers",
        path: "/v1/reports/providers",
        access: Access::Only(&["commissioner", "quality", "analyst"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/reports/equality",
        path: "/v1/reports/equality",
        access: Access::Only(&["commissioner", "quality", "analyst"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/reports/cherry-picking",
        path: "/v1/reports/cherry-picking",
        access: Access::Only(&["commissioner", "quality", "analyst"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/awards",
        path: "/v1/awards",
        access: Access::Public,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/budgets",
        path: "/v1/budgets",
        access: Access::Only(&["commissioner", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/budgets/{area}/{year}",
        path: "/v1/budgets/SY-SHF/{year}",
        access: Access::Only(&["commissioner", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "PUT",
        template: "/v1/budgets/{area}/{year}",
        path: "/v1/budgets/SY-SHF/{year}",
        access: Access::Only(&["commissioner"]),
        owner: Owner::Hub,
        body: || Some(json!({"allocated_pence": 0})),
    },
    Rule {
        method: "PUT",
        template: "/v1/budgets/{area}/{year}/contributions",
        path: "/v1/budgets/SY-SHF/{year}/contributions",
        access: Access::Only(&["commissioner"]),
        owner: Owner::Hub,
        body: || Some(json!({"contributions": []})),
    },
    Rule {
        method: "GET",
        template: "/v1/budgets/{area}/{year}/contributors/{contributor}/statement",
        path: "/v1/budgets/SY-SHF/{year}/contributors/unattributed/statement",
        access: Access::Only(&["commissioner", "quality", "analyst"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/areas/{code}/carry-over",
        path: "/v1/areas/SY-SHF/carry-over",
        access: Access::Only(&["commissioner", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "PUT",
        template: "/v1/areas/{code}/carry-over",
        path: "/v1/areas/SY-SHF/carry-over",
        access: Access::Only(&["commissioner"]),
        owner: Owner::Hub,
        body: || Some(json!({"rule": "none"})),
    },
    Rule {
        method: "POST",
        template: "/v1/orders/{id}/approve-budget",
        path: "/v1/orders/{awaiting}/approve-budget",
        access: Access::Only(&["commissioner"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/orders/{id}/cancel",
        path: "/v1/orders/{order}/cancel",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"reason": "sentence varied on appeal"})),
    },
    Rule {
        method: "GET",
        template: "/v1/enforcement/failures",
        path: "/v1/enforcement/failures",
        access: Access::Only(&["offender_manager", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/orders/{id}/failures/{failure_id}/decision",
        path: "/v1/orders/{delivering}/failures/{failure}/decision",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        // The second warning: the order is flagged for breach.
        body: || Some(json!({"decision": "warning"})),
    },
    Rule {
        method: "POST",
        template: "/v1/orders/{id}/breach/proceedings",
        path: "/v1/orders/{delivering}/breach/proceedings",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/orders/{id}/breach/outcome",
        path: "/v1/orders/{delivering}/breach/outcome",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"outcome": "continue"})),
    },
    Rule {
        method: "POST",
        template: "/v1/orders/{id}/end",
        path: "/v1/orders/{delivering}/end",
        access: Access::Only(&["offender_manager"]),
        owner: Owner::Area,
        body: || Some(json!({"reason": "custody"})),
    },
    Rule {
        method: "POST",
        template: "/v1/matching/runs",
        path: "/v1/matching/runs",
        access: Access::Only(&["commissioner"]),
        owner: Owner::Hub,
        body: || Some(json!({"area": "SY-SHF"})),
    },
    Rule {
        method: "GET",
        template: "/v1/matching/runs/{id}",
        path: "/v1/matching/runs/{run}",
        access: Access::Only(&["commissioner", "quality"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/events",
        path: "/v1/events",
        // Everyone but the analysts, who read reports and nothing of people or orders.
        access: Access::Only(&[
            "offender_manager",
            "provider",
            "quality",
            "commissioner",
            "admin",
            "court",
        ]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "PUT",
        template: "/v1/providers/{id}/webhook",
        path: "/v1/providers/{provider}/webhook",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: || Some(json!({"url": "https://hooks.example.org/provider-hub"})),
    },
    Rule {
        method: "GET",
        template: "/v1/providers/{id}/webhook",
        path: "/v1/providers/{provider}/webhook",
        access: Access::Only(&["provider", "admin"]),
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/webhook-deliveries",
        path: "/v1/webhook-deliveries",
        access: Access::Only(&["provider", "admin"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/webhook-deliveries/{id}/redrive",
        path: "/v1/webhook-deliveries/{dead}/redrive",
        access: Access::Only(&["admin"]),
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "DELETE",
        template: "/v1/providers/{id}/webhook",
        path: "/v1/providers/{provider}/webhook",
        access: Access::Only(&["provider"]),
        owner: Owner::Provider,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/lead-times",
        path: "/v1/lead-times",
        access: Access::AnyRole,
        owner: Owner::Hub,
        body: no_body,
    },
    Rule {
        method: "PUT",
        template: "/v1/lead-times/{category}",
        path: "/v1/lead-times/unpaid_work",
        access: Access::Only(&["commissioner"]),
        owner: Owner::Hub,
        body: || Some(json!({"days": 20})),
    },
];

#[test]
fn every_documented_route_is_in_the_matrix() {
    let doc = serde_json::to_value(provider_hub_api::openapi()).expect("document");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| (r.method.to_owned(), r.template.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes with no row in the authorization matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that no longer exist: {stale:?}"
    );
    assert_eq!(MATRIX.len(), listed.len(), "one row per route");
}

/// The seeded case, of SY-SHF.
const CASE: &str = "X123456";

/// A case of SY-SHF the matrix transfers.
const MOVING: &str = "X654321";

/// Ids made by the seed, substituted into the rows' paths.
struct Seeded {
    provider: String,
    other_provider: String,
    standing: String,
    listing: String,
    draft: String,
    assessment: String,
    submitted: String,
    plan: String,
    /// A proposed plan (of another person) and its first item.
    proposed: String,
    item: String,
    order: String,
    offer: String,
    offer2: String,
    order2: String,
    completed: String,
    awaiting: String,
    year: String,
    run: String,
    dead: String,
    delivering: String,
    failure: String,
    transfer: String,
    upload: String,
}

impl Seeded {
    fn path(&self, rule: &Rule) -> String {
        rule.path
            .replace("{provider}", &self.provider)
            .replace("{standing}", &self.standing)
            .replace("{listing}", &self.listing)
            .replace("{draft}", &self.draft)
            .replace("{case}", CASE)
            .replace("{assessment}", &self.assessment)
            .replace("{submitted}", &self.submitted)
            .replace("{plan}", &self.plan)
            .replace("{proposed}", &self.proposed)
            .replace("{item}", &self.item)
            .replace("{order}", &self.order)
            .replace("{offer2}", &self.offer2)
            .replace("{order2}", &self.order2)
            .replace("{completed}", &self.completed)
            .replace("{awaiting}", &self.awaiting)
            .replace("{year}", &self.year)
            .replace("{offer}", &self.offer)
            .replace("{run}", &self.run)
            .replace("{dead}", &self.dead)
            .replace("{delivering}", &self.delivering)
            .replace("{failure}", &self.failure)
            .replace("{moving}", MOVING)
            .replace("{transfer}", &self.transfer)
            .replace("{upload}", &self.upload)
    }

    /// A token for a role; a provider's acts for the seeded provider.
    fn token(&self, app: &TestApp, role: &str) -> String {
        if role == "provider" {
            app.provider_token(&self.provider)
        } else {
            app.token(role)
        }
    }
}

async fn call(app: &TestApp, seeded: &Seeded, rule: &Rule, token: Option<&str>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(rule.method.as_bytes()).expect("method");
    let mut req = app.client.request(method, app.url(&seeded.path(rule)));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(body) = (rule.body)() {
        req = req.json(&body);
    }
    if rule.template == "/v1/reoffending/uploads" {
        req = req.header("Content-Type", "text/csv").body(UPLOAD_CSV);
    }
    status_and_json(req.send().await.expect("send")).await
}

async fn seed(app: &TestApp) -> Seeded {
    provider_hub_tests::seed_market(app).await;
    let q = app.token("quality");
    let (s, _) = app
        .post("/v1/specifications", &q, &specification_body("DRAFT-ONE"))
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .post("/v1/specifications", &q, &specification_body("RET-ME"))
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .post_empty("/v1/specifications/RET-ME/versions/1/publish", &q)
        .await;
    assert_eq!(s, 200);
    let provider = provider_hub_tests::register_provider(app, "REG-A").await;
    let other_provider = provider_hub_tests::register_provider(app, "REG-B").await;
    let standing = provider_hub_tests::register_provider(app, "REG-C").await;
    provider_hub_tests::accredit(app, &provider, "unpaid_work", 80).await;
    let body = provider_hub_tests::listing_body(50_000);
    let listing = provider_hub_tests::create_listing(app, &provider, &body).await;
    let draft = provider_hub_tests::create_listing(app, &provider, &body).await;
    let pt = app.provider_token(&provider);
    let start = (app.today() + chrono::Duration::days(3)).to_string();
    let (s, _) = app
        .put(
            &format!("/v1/listings/{listing}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start, "places": 10}]}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post_empty(&format!("/v1/listings/{listing}/publish"), &pt)
        .await;
    assert_eq!(s, 200);
    // Its webhook receives the seeded offers' events (nothing sends them: the dispatcher
    // is idle in this test).
    let (s, _) = app
        .put(
            &format!("/v1/providers/{provider}/webhook"),
            &pt,
            &json!({"url": "https://hooks.example.org/provider-hub"}),
        )
        .await;
    assert_eq!(s, 200);
    let case =
        json!({"crn": CASE, "sex": "female", "date_of_birth": "1990-04-01", "area": "SY-SHF"});
    let (s, _) = app
        .post("/v1/cases", &app.token("offender_manager"), &case)
        .await;
    assert_eq!(s, 201);
    // Assessments written by another manager of SY-SHF, so the matrix's manager may decide them.
    let author = provider_hub_tests::manager_token("SY-SHF", "om-author");
    let mut ids = Vec::new();
    for external_ref in ["MATRIX-1", "MATRIX-2"] {
        let body = provider_hub_tests::assessment_body(external_ref, CASE);
        let (s, created) = app.post("/v1/assessments", &author, &body).await;
        assert_eq!(s, 201, "{created}");
        ids.push(created["id"].as_str().expect("id").to_owned());
    }
    let (s, _) = app
        .post_empty(&format!("/v1/assessments/{}/submit", ids[1]), &author)
        .await;
    assert_eq!(s, 200);
    let submitted = ids.pop().unwrap_or_default();
    let assessment = ids.pop().unwrap_or_default();
    // A third and a fourth, countersigned, whose plans are approved: plans, orders and
    // offers (unpaid work, placed with the seeded listing) to read and answer.
    let approver = provider_hub_tests::manager_token("SY-SHF", "om-approver");
    let mut approved = Vec::new();
    // Each of a person of its own: a person's second plan revises the first and buys
    // nothing already bought.
    let person = |crn: &str| json!({"crn": crn, "sex": "female", "date_of_birth": "1990-04-01", "area": "SY-SHF"});
    for (external_ref, crn) in [
        ("MATRIX-3", "X123463"),
        ("MATRIX-4", "X123464"),
        ("MATRIX-5", "X123465"),
        ("MATRIX-8", "X123468"),
    ] {
        let (s, _) = app.post("/v1/cases", &author, &person(crn)).await;
        assert_eq!(s, 201);
        let body = provider_hub_tests::assessment_body(external_ref, crn);
        let (_, made) = app.post("/v1/assessments", &author, &body).await;
        let made = made["id"].as_str().expect("id").to_owned();
        let (s, _) = app
            .post_empty(&format!("/v1/assessments/{made}/submit"), &author)
            .await;
        assert_eq!(s, 200);
        let (s, _) = app
            .post_empty(&format!("/v1/assessments/{made}/approve"), &approver)
            .await;
        assert_eq!(s, 200);
        let (s, plan) = app
            .get(&format!("/v1/assessments/{made}/sentence-plan"), &approver)
            .await;
        assert_eq!(s, 200, "{plan}");
        let plan = plan["id"].as_str().expect("plan").to_owned();
        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan}/approve"), &approver)
            .await;
        assert_eq!(s, 200, "{approval}");
        assert_eq!(approval["orders"][0]["status"], "offered", "{approval}");
        let order = approval["orders"][0]["id"]
            .as_str()
            .expect("order")
            .to_owned();
        let offer = approval["orders"][0]["offer"]["id"]
            .as_str()
            .expect("offer")
            .to_owned();
        approved.push((plan, order, offer));
    }
    let (s, run) = app
        .post("/v1/matching/runs", &app.token("commissioner"), &json!({}))
        .await;
    assert_eq!(s, 201, "{run}");
    let run = run["id"].as_str().expect("run").to_owned();
    // The eighth's order is in delivery: one missed session judged a warning, and a second
    // waiting for the offender manager's decision.
    let (_, delivering, offer7) = approved.pop().unwrap_or_default();
    let (s, _) = app
        .post_empty(&format!("/v1/offers/{offer7}/accept"), &pt)
        .await;
    assert_eq!(s, 200);
    let mut failures = Vec::new();
    for step in ["started", "missed", "missed"] {
        let (s, body) = app
            .post(
                &format!("/v1/orders/{delivering}/delivery-events"),
                &pt,
                &json!({ "type": step }),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        if step == "missed" {
            let (_, o) = app
                .get(
                    &format!("/v1/orders/{delivering}"),
                    &app.token("offender_manager"),
                )
                .await;
            let last = o["failures"].as_array().and_then(|f| f.last()).cloned();
            failures.push(last.and_then(|f| f["id"].as_str().map(str::to_owned)));
        }
    }
    let warned = failures[0].clone().expect("a failure");
    let failure = failures[1].clone().expect("a failure");
    let (s, body) = app
        .post(
            &format!("/v1/orders/{delivering}/failures/{warned}/decision"),
            &app.token("offender_manager"),
            &json!({"decision": "warning"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    // The fifth's order is delivered to completion, for its outcome.
    let (_, completed, offer5) = approved.pop().unwrap_or_default();
    let (s, _) = app
        .post_empty(&format!("/v1/offers/{offer5}/accept"), &pt)
        .await;
    assert_eq!(s, 200);
    for step in ["started", "completed"] {
        if step == "completed" {
            attend_in_full(app, &provider, &completed).await;
        }
        let (s, body) = app
            .post(
                &format!("/v1/orders/{completed}/delivery-events"),
                &pt,
                &json!({ "type": step }),
            )
            .await;
        assert_eq!(s, 201, "{body}");
    }
    // Its measurement period is over: it started long ago.
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE orders SET actual_start = '2024-01-02' WHERE id = '{completed}'"
        )),
        &mut app.db.connect(),
    )
    .expect("set back");
    let r = app
        .client
        .post(app.url("/v1/reoffending/uploads"))
        .bearer_auth(app.token("commissioner"))
        .header("Content-Type", "text/csv")
        .body(UPLOAD_CSV)
        .send()
        .await
        .expect("upload");
    let (s, upload) = status_and_json(r).await;
    assert_eq!(s, 202, "{upload}");
    let upload = upload["id"].as_str().expect("upload").to_owned();
    let (_, order2, offer2) = approved.pop().unwrap_or_default();
    // With a nil budget for the year, a sixth order waits for a commissioner's approval.
    let starts = app.today() + chrono::Duration::days(3);
    let year = if chrono::Datelike::month(&starts) >= 4 {
        chrono::Datelike::year(&starts)
    } else {
        chrono::Datelike::year(&starts) - 1
    }
    .to_string();
    let (s, _) = app
        .put(
            &format!("/v1/budgets/SY-SHF/{year}"),
            &app.token("commissioner"),
            &json!({"allocated_pence": 0}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app.post("/v1/cases", &author, &person("X123466")).await;
    assert_eq!(s, 201);
    let body = provider_hub_tests::assessment_body("MATRIX-6", "X123466");
    let (_, made) = app.post("/v1/assessments", &author, &body).await;
    let made = made["id"].as_str().expect("id").to_owned();
    app.post_empty(&format!("/v1/assessments/{made}/submit"), &author)
        .await;
    app.post_empty(&format!("/v1/assessments/{made}/approve"), &approver)
        .await;
    let (_, plan6) = app
        .get(&format!("/v1/assessments/{made}/sentence-plan"), &approver)
        .await;
    let plan6 = plan6["id"].as_str().expect("plan").to_owned();
    let (_, approval) = app
        .post_empty(&format!("/v1/sentence-plans/{plan6}/approve"), &approver)
        .await;
    assert_eq!(
        approval["orders"][0]["status"], "awaiting_approval",
        "{approval}"
    );
    let awaiting = approval["orders"][0]["id"]
        .as_str()
        .expect("order")
        .to_owned();
    let (plan, order, offer) = approved.pop().unwrap_or_default();
    // A seventh, of a person of its own, whose plan stays proposed, to shape.
    let (s, _) = app.post("/v1/cases", &author, &person("X123467")).await;
    assert_eq!(s, 201);
    let body = provider_hub_tests::assessment_body("MATRIX-7", "X123467");
    let (_, made) = app.post("/v1/assessments", &author, &body).await;
    let made = made["id"].as_str().expect("id").to_owned();
    app.post_empty(&format!("/v1/assessments/{made}/submit"), &author)
        .await;
    app.post_empty(&format!("/v1/assessments/{made}/approve"), &approver)
        .await;
    let (s, proposed) = app
        .get(&format!("/v1/assessments/{made}/sentence-plan"), &approver)
        .await;
    assert_eq!(s, 200, "{proposed}");
    let item = proposed["items"][0]["id"]
        .as_str()
        .expect("item")
        .to_owned();
    let proposed = proposed["id"].as_str().expect("plan").to_owned();
    // One delivery given up on, as if its last try had failed.
    let dead = {
        use diesel::prelude::*;
        use provider_hub_store::schema::webhook_deliveries as d;
        let mut conn = app.db.connect();
        let id: String = d::table
            .order(d::id.asc())
            .select(d::id)
            .first(&mut conn)
            .expect("a delivery");
        diesel::update(d::table.find(&id))
            .set((d::status.eq("dead"), d::attempts.eq(12)))
            .execute(&mut conn)
            .expect("mark it dead");
        id
    };
    // A case to transfer, and another already transferred to a third area.
    let (s, _) = app
        .post(
            "/v1/areas",
            &app.token("admin"),
            &json!({"code": "SY-BAR", "name": "Barnsley", "region": "Yorkshire and the Humber"}),
        )
        .await;
    assert_eq!(s, 201);
    let manager = app.token("offender_manager");
    for crn in [MOVING, "X654322"] {
        let case =
            json!({"crn": crn, "sex": "male", "date_of_birth": "1988-01-02", "area": "SY-SHF"});
        let (s, _) = app.post("/v1/cases", &manager, &case).await;
        assert_eq!(s, 201);
    }
    let (s, moved) = app
        .post(
            "/v1/cases/X654322/transfers",
            &manager,
            &json!({"to_area": "SY-BAR", "reason": "moved"}),
        )
        .await;
    assert_eq!(s, 201, "{moved}");
    let transfer = moved["id"].as_str().expect("transfer").to_owned();
    Seeded {
        transfer,
        provider,
        other_provider,
        standing,
        listing,
        draft,
        assessment,
        submitted,
        plan,
        proposed,
        item,
        order,
        offer,
        offer2,
        order2,
        completed,
        awaiting,
        year,
        run,
        dead,
        delivering,
        failure,
        upload,
    }
}

both_backends!(
    every_route_answers_every_caller_as_documented,
    // The background worker stays idle: its retries would change the snapshots the
    // refusals are checked against.
    adjust = |c: &mut provider_hub_tests::Config| {
        c.worker_interval_ms = 3_600_000;
        c.dispatch_interval_ms = 3_600_000;
    },
    |app: TestApp| async move {
        let seeded = seed(&app).await;
        for rule in MATRIX {
            let route = format!("{} {}", rule.method, rule.template);
            // Refusals first: each must leave everything as it was.
            let before = app.snapshot().await;
            let (status, _) = call(&app, &seeded, rule, None).await;
            match rule.access {
                Access::Public => assert_eq!(status, 200, "{route} without a token"),
                _ => assert_eq!(status, 401, "{route} without a token"),
            }
            let (status, _) = call(&app, &seeded, rule, Some("not-a-token")).await;
            if !matches!(rule.access, Access::Public) {
                assert_eq!(status, 401, "{route} with a bad token");
            }
            if let Access::Only(allowed) = rule.access {
                for role in ROLES.iter().filter(|r| !allowed.contains(r)) {
                    let token = seeded.token(&app, role);
                    let (status, problem) = call(&app, &seeded, rule, Some(&token)).await;
                    assert_eq!(status, 403, "{route} as {role}: {problem}");
                }
            }
            if rule.owner == Owner::Provider {
                let other = app.provider_token(&seeded.other_provider);
                let (status, problem) = call(&app, &seeded, rule, Some(&other)).await;
                assert_eq!(status, 404, "{route} as another provider: {problem}");
            }
            if rule.owner == Owner::Area {
                let mut other =
                    provider_hub_tests::claims("offender_manager", Some("SY-ROT"), None);
                other.sub = "om-rotherham".into();
                let other = provider_hub_tests::sign_hs256(&other, provider_hub_tests::TEST_SECRET);
                let (status, problem) = call(&app, &seeded, rule, Some(&other)).await;
                assert_eq!(
                    status, 404,
                    "{route} as another area's offender manager: {problem}"
                );
            }
            assert_eq!(
                app.snapshot().await,
                before,
                "{route}: refused calls changed nothing"
            );

            // Then every role that may call it is let through.
            let allowed: Vec<&str> = match rule.access {
                Access::Public | Access::AnyRole => ROLES.to_vec(),
                Access::Only(allowed) => allowed.to_vec(),
            };
            for role in allowed {
                let (status, body) =
                    call(&app, &seeded, rule, Some(&seeded.token(&app, role))).await;
                assert!(
                    (200..300).contains(&status),
                    "{route} as {role} should succeed on the seeded data, got {status}: {body}"
                );
            }
        }
    }
);
