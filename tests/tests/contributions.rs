//! Pooled budgets on both backends: contributions fund a budget, spend is attributed to the
//! contributors pro rata and their statements reconcile with the payments to the penny,
//! unspent money carries over by the area's rule, and bad input changes nothing.

use provider_hub_tests::{both_backends, json, purchase, seed_market, upw_provider, TestApp};
use serde_json::Value;

/// The financial year (April–March) payments made today fall in.
fn year(app: &TestApp) -> i32 {
    provider_hub_domain::payment::financial_year(app.today())
}

/// Buys `n` orders of SY-SHF from the provider, and has each accepted and started: one
/// start payment each (20% of the price).
async fn started(app: &TestApp, provider: &str, crns: &[&str]) {
    let pt = app.provider_token(provider);
    for crn in crns {
        let order = purchase(app, "SY-SHF", crn).await;
        assert_eq!(order["status"], "offered", "{order}");
        let offer = order["offer"]["id"].as_str().expect("offer");
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
        let id = order["id"].as_str().expect("order");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{id}/delivery-events"),
                &pt,
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
    }
}

fn line<'a>(budget: &'a Value, contributor: &str) -> &'a Value {
    budget["contributions"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["contributor"] == contributor))
        .unwrap_or_else(|| panic!("no line for {contributor} in {budget}"))
}

fn column(budget: &Value, field: &str) -> Vec<i64> {
    budget["contributions"]
        .as_array()
        .expect("contributions")
        .iter()
        .map(|c| c[field].as_i64().expect(field))
        .collect()
}

both_backends!(
    statements_reconcile_with_the_payments_to_the_penny,
    |app: TestApp| async move {
        seed_market(&app).await;
        // £333.35 an order: a start payment of £66.67, which three contributors cannot share
        // evenly.
        let (p, _) = upw_provider(&app, "CH-C1", 33_335, 5, 3, 80).await;
        let commissioner = app.token("commissioner");
        let y = year(&app);
        let (s, budget) = app
            .put(
                &format!("/v1/budgets/SY-SHF/{y}/contributions"),
                &commissioner,
                &json!({"contributions": [
                    {"contributor": "probation", "amount_pence": 100_000},
                    {"contributor": "police_and_crime_commissioner", "amount_pence": 100_000},
                    {"contributor": "health", "amount_pence": 100_000},
                ]}),
            )
            .await;
        assert_eq!(s, 200, "{budget}");
        assert_eq!(budget["allocated_pence"], 300_000);
        assert_eq!(
            line(&budget, "police_and_crime_commissioner")["name"],
            "Police and crime commissioner"
        );

        started(&app, &p, &["X930001", "X930002"]).await;
        let path = format!("/v1/budgets/SY-SHF/{y}");
        let (_, budget) = app.get(&path, &app.token("quality")).await;
        assert_eq!(budget["spent_pence"], 2 * 6_667);
        // 13,334p three ways: 4,444.67 each; the two pennies left go to the first keys.
        assert_eq!(column(&budget, "spent_pence"), [4_445, 4_445, 4_444]);
        assert_eq!(budget["committed_pence"], 66_670);
        assert_eq!(column(&budget, "committed_pence"), [22_224, 22_223, 22_223]);
        assert_eq!(column(&budget, "unspent_pence"), [95_555, 95_555, 95_556]);

        // Σ statements = the budget's spent = Σ payments of the area and year.
        let (s, payments) = app
            .get("/v1/payments?area=SY-SHF&limit=500", &commissioner)
            .await;
        assert_eq!(s, 200, "{payments}");
        let paid: i64 = payments["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["amount_pence"].as_i64().expect("amount"))
            .sum();
        let mut statements = Vec::new();
        for c in ["health", "police_and_crime_commissioner", "probation"] {
            let (s, st) = app
                .get(
                    &format!("{path}/contributors/{c}/statement"),
                    &app.token("quality"),
                )
                .await;
            assert_eq!(s, 200, "{st}");
            let by_category: i64 = st["spent_by_category"]
                .as_array()
                .expect("categories")
                .iter()
                .map(|c| c["spent_pence"].as_i64().expect("spent"))
                .sum();
            let by_month: i64 = st["spent_by_month"]
                .as_array()
                .expect("months")
                .iter()
                .map(|c| c["spent_pence"].as_i64().expect("spent"))
                .sum();
            assert_eq!(by_category, st["spent_pence"].as_i64().expect("spent"));
            assert_eq!(by_month, st["spent_pence"].as_i64().expect("spent"));
            assert_eq!(st["spent_by_category"][0]["category"], "unpaid_work");
            assert_eq!(st["budget"]["spent_pence"], budget["spent_pence"]);
            statements.push(st);
        }
        let total = |field: &str| -> i64 {
            statements
                .iter()
                .map(|s| s[field].as_i64().expect(field))
                .sum()
        };
        assert_eq!(total("spent_pence"), paid);
        assert_eq!(paid, budget["spent_pence"].as_i64().expect("spent"));
        assert_eq!(total("committed_pence"), 66_670);
        assert_eq!(total("contributed_pence"), 300_000);
        assert_eq!(statements[0]["share_percent"], 33.33);
        assert_eq!(statements[0]["carry_over_rule"], "none");

        // The same twice: deterministic.
        let (_, again) = app.get(&path, &commissioner).await;
        assert_eq!(again["contributions"], budget["contributions"]);

        // CSV, by Accept or ?format=csv: the same figures.
        let url = app.url(&format!("{path}/contributors/health/statement"));
        let csv = app
            .client
            .get(&url)
            .bearer_auth(&commissioner)
            .header("Accept", "text/csv")
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("text");
        assert!(
            csv.starts_with(
                "area,financial_year,contributor,share_percent,line,detail,amount_pence\r\n"
            ),
            "{csv}"
        );
        assert!(
            csv.contains(&format!("SY-SHF,{y},health,33.33,spent,,4445\r\n")),
            "{csv}"
        );
        assert!(
            csv.contains(",spent_by_category,unpaid_work,4445\r\n"),
            "{csv}"
        );
        let by_query = app
            .client
            .get(format!("{url}?format=csv"))
            .bearer_auth(&commissioner)
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("text");
        assert_eq!(by_query, csv);
    }
);

both_backends!(
    bad_contributions_and_rules_change_nothing,
    |app: TestApp| async move {
        seed_market(&app).await;
        let commissioner = app.token("commissioner");
        let y = year(&app);
        let path = format!("/v1/budgets/SY-SHF/{y}/contributions");
        let (s, _) = app
            .put(
                &path,
                &commissioner,
                &json!({"contributions": [{"contributor": "probation", "amount_pence": 50_000}]}),
            )
            .await;
        assert_eq!(s, 200);
        let before = app.snapshot().await;
        let (_, budget_before) = app
            .get(&format!("/v1/budgets/SY-SHF/{y}"), &commissioner)
            .await;
        let refused = [
            (
                json!({"contributions": [{"contributor": "health", "amount_pence": -1}]}),
                "contributions[0].amount_pence",
                "must be 0-",
            ),
            (
                json!({"contributions": [
                    {"contributor": "health", "amount_pence": 1},
                    {"contributor": "health", "amount_pence": 2}]}),
                "contributions[1].contributor",
                "more than once",
            ),
            (
                json!({"contributions": [{"contributor": " ", "amount_pence": 1}]}),
                "contributions[0].contributor",
                "blank",
            ),
            (
                json!({"contributions": [{"contributor": "Health Board", "amount_pence": 1}]}),
                "contributions[0].contributor",
                "lowercase",
            ),
            (
                json!({"contributions": [{"contributor": "unattributed", "amount_pence": 1}]}),
                "contributions[0].contributor",
                "unattributed",
            ),
            (
                json!({"contributions": [
                    {"contributor": "health", "amount_pence": 600_000_000_000_i64},
                    {"contributor": "probation", "amount_pence": 600_000_000_000_i64}]}),
                "contributions",
                "add up",
            ),
        ];
        for (body, field, says) in refused {
            let (s, problem) = app.put(&path, &commissioner, &body).await;
            assert_eq!(s, 422, "{body}: {problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
            let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains(says), "{message}");
        }
        let (s, _) = app
            .put(
                &path,
                &commissioner,
                &json!({"contributions": [], "extra": 1}),
            )
            .await;
        assert_eq!(s, 422);
        // A budget funded by contributions is set through them, not as a plain allocation.
        let (s, problem) = app
            .put(
                &format!("/v1/budgets/SY-SHF/{y}"),
                &commissioner,
                &json!({"allocated_pence": 1}),
            )
            .await;
        assert_eq!(s, 409, "{problem}");
        for (body, field) in [
            (json!({"rule": "capped"}), "cap_percent"),
            (json!({"rule": "capped", "cap_percent": 101}), "cap_percent"),
            (json!({"rule": "all", "cap_percent": 10}), "cap_percent"),
        ] {
            let (s, problem) = app
                .put("/v1/areas/SY-SHF/carry-over", &commissioner, &body)
                .await;
            assert_eq!(
                (s, problem["errors"][0]["field"].as_str()),
                (422, Some(field)),
                "{problem}"
            );
        }
        let (s, _) = app
            .put(
                "/v1/areas/SY-SHF/carry-over",
                &commissioner,
                &json!({"rule": "sometimes"}),
            )
            .await;
        assert_eq!(s, 422);
        let (s, _) = app
            .get(
                &format!("/v1/budgets/SY-SHF/{y}/contributors/health/statement"),
                &commissioner,
            )
            .await;
        assert_eq!(s, 404, "health does not contribute");
        let (s, _) = app
            .get(
                &format!("/v1/budgets/SY-SHF/{y}/contributors/probation/statement?format=xml"),
                &commissioner,
            )
            .await;
        assert_eq!(s, 422);
        assert_eq!(app.snapshot().await, before);
        let (_, budget_after) = app
            .get(&format!("/v1/budgets/SY-SHF/{y}"), &commissioner)
            .await;
        assert_eq!(budget_after, budget_before);
        let (_, rule) = app.get("/v1/areas/SY-SHF/carry-over", &commissioner).await;
        assert_eq!(rule["rule"], "none");
    }
);

both_backends!(
    unspent_money_carries_over_by_the_areas_rule,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, _) = upw_provider(&app, "CH-C2", 52_000, 5, 3, 80).await;
        let commissioner = app.token("commissioner");
        let y = year(&app);
        let (s, _) = app
            .put(
                &format!("/v1/budgets/SY-SHF/{y}/contributions"),
                &commissioner,
                &json!({"contributions": [
                    {"contributor": "health", "amount_pence": 20_000},
                    {"contributor": "probation", "amount_pence": 60_000}]}),
            )
            .await;
        assert_eq!(s, 200);
        // A start payment of £104: health £26, probation £78; unspent £174 and £522.
        started(&app, &p, &["X931001"]).await;
        let next = format!("/v1/budgets/SY-SHF/{}", y + 1);
        let (s, _) = app
            .put(
                &format!("{next}/contributions"),
                &commissioner,
                &json!({"contributions": [{"contributor": "probation", "amount_pence": 50_000}]}),
            )
            .await;
        assert_eq!(s, 200);

        let rules = [
            (json!({"rule": "none"}), 0, vec![("probation", 50_000, 0)]),
            (
                json!({"rule": "all"}),
                69_600,
                vec![("health", 0, 17_400), ("probation", 50_000, 52_200)],
            ),
            (
                // 10% of the £800 allocated: £80, shared 1:3 as the unspent money is.
                json!({"rule": "capped", "cap_percent": 10}),
                8_000,
                vec![("health", 0, 2_000), ("probation", 50_000, 6_000)],
            ),
            (
                // 7% of 80,000p is 5,600p: 1,400p and 4,200p.
                json!({"rule": "capped", "cap_percent": 7}),
                5_600,
                vec![("health", 0, 1_400), ("probation", 50_000, 4_200)],
            ),
        ];
        for (rule, carried, lines) in rules {
            let (s, set) = app
                .put("/v1/areas/SY-SHF/carry-over", &commissioner, &rule)
                .await;
            assert_eq!(s, 200, "{set}");
            let (_, budget) = app.get(&next, &commissioner).await;
            assert_eq!(budget["carried_in_pence"], carried, "{rule}: {budget}");
            assert_eq!(budget["remaining_pence"], 50_000 + carried, "{rule}");
            let got: Vec<(String, i64, i64)> = budget["contributions"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| {
                    (
                        l["contributor"].as_str().unwrap_or_default().to_owned(),
                        l["contributed_pence"].as_i64().unwrap_or(-1),
                        l["carried_in_pence"].as_i64().unwrap_or(-1),
                    )
                })
                .collect();
            let want: Vec<(String, i64, i64)> = lines
                .iter()
                .map(|(c, a, k)| ((*c).to_owned(), *a, *k))
                .collect();
            assert_eq!(got, want, "{rule}");
            // This year's statements carry out what next year carries in.
            let (_, this) = app
                .get(&format!("/v1/budgets/SY-SHF/{y}"), &commissioner)
                .await;
            assert_eq!(
                column(&this, "carried_out_pence").iter().sum::<i64>(),
                carried
            );
            let (s, st) = app
                .get(
                    &format!("/v1/budgets/SY-SHF/{y}/contributors/probation/statement"),
                    &commissioner,
                )
                .await;
            assert_eq!(s, 200, "{st}");
            assert_eq!(st["year_ended"], false);
            assert_eq!(st["carry_over_rule"], rule["rule"]);
            if carried > 0 {
                let (s, health) = app
                    .get(
                        &format!("{next}/contributors/health/statement"),
                        &commissioner,
                    )
                    .await;
                assert_eq!(s, 200, "{health}");
                assert_eq!(health["contributed_pence"], 0);
                assert_eq!(health["carried_in_pence"], lines[0].2);
            }
        }

        // A budget without contributions is one unattributed pool, and carries as one.
        let (s, _) = app
            .put(
                "/v1/areas/SY-ROT/carry-over",
                &commissioner,
                &json!({"rule": "all"}),
            )
            .await;
        assert_eq!(s, 200);
        for (year, amount) in [(y, 30_000), (y + 1, 10_000)] {
            let (s, _) = app
                .put(
                    &format!("/v1/budgets/SY-ROT/{year}"),
                    &commissioner,
                    &json!({"allocated_pence": amount}),
                )
                .await;
            assert_eq!(s, 200);
        }
        let (_, bar) = app
            .get(&format!("/v1/budgets/SY-ROT/{}", y + 1), &commissioner)
            .await;
        assert_eq!(bar["carried_in_pence"], 30_000);
        assert_eq!(line(&bar, "unattributed")["contributed_pence"], 10_000);
        assert_eq!(line(&bar, "unattributed")["carried_in_pence"], 30_000);
        assert_eq!(line(&bar, "unattributed")["share_percent"], 100.0);
    }
);
