//! The commissioner's web pages, from outside: signed in locally with a cookie session, a
//! commissioner approves an order over budget, sets a policy, runs a batch, reads the
//! reports (whose CSV downloads are the API's CSV and hold the tables' figures) and
//! records an outcome; a refused action shows the API's reason; a form without the
//! session's CSRF token changes nothing; other roles get 403.

use provider_hub_tests::web::{browser, csrf_of, page, post_form};
use provider_hub_tests::*;

/// Signs in on the local sign-in page as `person`; returns where it lands and the
/// session's CSRF token.
async fn sign_in(app: &TestApp, web: &reqwest::Client, person: &str) -> (String, String) {
    let (s, html) = page(app, web, "/sign-in").await;
    assert_eq!(s, 200, "{html}");
    let (s, location) = post_form(
        app,
        web,
        "/sign-in",
        &[("csrf_token", &csrf_of(&html)), ("person", person)],
    )
    .await;
    assert_eq!(s, 303);
    let (s, home) = page(app, web, &location).await;
    assert_eq!(s, 200, "{home}");
    (location, csrf_of(&home))
}

/// The text of each cell of each body row of the page's last table.
fn last_table(html: &str) -> Vec<Vec<String>> {
    let start = html.rfind("<tbody").expect("a table");
    let end = html[start..].find("</tbody>").expect("end of table") + start;
    html[start..end]
        .split("<tr")
        .skip(1)
        .map(|row| {
            row.split("</t")
                .filter_map(|cell| cell.rfind('>').map(|i| &cell[i + 1..]))
                .map(|text| text.trim().replace("&amp;", "&").replace("&#39;", "'"))
                .collect::<Vec<_>>()
        })
        .map(|mut cells| {
            // What came before `</tr>` and after it.
            cells.truncate(cells.len().saturating_sub(2));
            cells
        })
        .collect()
}

/// The CSV as rows of fields (the tests' files hold no quoted commas).
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    body.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn pounds(pence: &str) -> String {
    let p: i64 = pence.parse().expect("pence");
    let whole = format!("£{}", p / 100);
    let whole = whole
        .chars()
        .rev()
        .collect::<Vec<_>>()
        .chunks(3)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(",")
        .chars()
        .rev()
        .collect::<String>()
        .replace("£,", "£");
    if p % 100 == 0 {
        whole
    } else {
        format!("{whole}.{:02}", p % 100)
    }
}

/// The financial year of places starting three days from today.
fn year(app: &TestApp) -> i32 {
    use chrono::Datelike;
    let d = app.today() + chrono::Duration::days(3);
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

both_backends!(
    a_commissioner_approves_spend_over_budget_and_sees_a_refusal_in_the_apis_words,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-WEB-C1", 52_000, 10, 3, 80).await;
        let commissioner = app.token("commissioner");
        let budget = format!("/v1/budgets/SY-SHF/{}", year(&app));
        let (s, _) = app
            .put(&budget, &commissioner, &json!({"allocated_pence": 100_000}))
            .await;
        assert_eq!(s, 200);
        purchase(&app, "SY-SHF", "X710001").await;
        let waiting = purchase(&app, "SY-SHF", "X710002").await;
        assert_eq!(waiting["status"], "awaiting_approval", "{waiting}");
        let id = waiting["id"].as_str().expect("id").to_owned();

        let web = browser();
        let (home, token) = sign_in(&app, &web, "commissioner").await;
        assert_eq!(home, "/commissioner");
        let (_, budgets) = page(&app, &web, "/commissioner").await;
        assert!(budgets.contains("£1,000"), "the allocation: {budgets}");
        assert!(budgets.contains("£480"), "what remains: {budgets}");
        assert!(budgets.contains("1 order waits for your budget approval"));
        let (_, list) = page(&app, &web, "/commissioner/approvals").await;
        assert!(list.contains(&id), "{list}");
        assert!(list.contains("£520"), "the best price found: {list}");

        // Without the session's CSRF token: refused, and the order still waits.
        let path = format!("/commissioner/approvals/{id}");
        let (s, _) = post_form(&app, &web, &path, &[]).await;
        assert_eq!(s, 403);
        let (s, _) = post_form(&app, &web, &path, &[("csrf_token", "forged")]).await;
        assert_eq!(s, 403);
        let (_, order) = app.get(&format!("/v1/orders/{id}"), &commissioner).await;
        assert_eq!(order["status"], "awaiting_approval");

        let (s, location) = post_form(&app, &web, &path, &[("csrf_token", &token)]).await;
        assert_eq!((s, location.as_str()), (303, "/commissioner/approvals"));
        let (_, order) = app.get(&format!("/v1/orders/{id}"), &commissioner).await;
        assert_eq!(order["status"], "offered", "{order}");
        let (_, list) = page(&app, &web, "/commissioner/approvals").await;
        assert!(list.contains(&format!("Order {id} approved")), "{list}");
        assert!(!list.contains(&format!("/commissioner/approvals/{id}\"")));

        // Approving again is refused with the API's words, as an error summary.
        let (s, problem) = app
            .post_empty(&format!("/v1/orders/{id}/approve-budget"), &commissioner)
            .await;
        assert_eq!(s, 409, "{problem}");
        let detail = problem["detail"].as_str().expect("detail");
        let (s, html) = post_form(&app, &web, &path, &[("csrf_token", &token)]).await;
        assert_eq!(s, 409, "{html}");
        assert!(html.contains("govuk-error-summary"), "{html}");
        let mut words = detail.chars();
        let first = words.next().expect("a reason").to_uppercase().to_string();
        assert!(
            html.contains(&format!("{first}{}", words.as_str())),
            "{detail} in {html}"
        );
    }
);

both_backends!(
    other_roles_get_403_on_every_commissioner_page,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, _) = upw_provider(&app, "CH-WEB-C2", 40_000, 1, 7, 80).await;
        for person in [
            "om:SY-SHF:1".to_owned(),
            format!("provider:{p}"),
            "quality".into(),
        ] {
            let web = browser();
            let (_, token) = sign_in(&app, &web, &person).await;
            for path in [
                "/commissioner",
                "/commissioner/approvals",
                "/commissioner/areas/SY-SHF/policy",
                "/commissioner/reports/spend",
                "/commissioner/reports/spend/csv",
                "/commissioner/outcomes",
            ] {
                let (s, _) = page(&app, &web, path).await;
                assert_eq!(s, 403, "{person} {path}");
            }
            let (s, _) = post_form(
                &app,
                &web,
                "/commissioner/runs",
                &[("csrf_token", &token), ("area", "")],
            )
            .await;
            assert_eq!(s, 403, "{person} runs a batch");
        }
        // Nobody signed in: to the start page.
        let (s, _) = page(&app, &browser(), "/commissioner").await;
        assert_eq!(s, 303);
    }
);

both_backends!(
    a_policy_and_a_batch_run_go_through_the_same_rules_as_the_api,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-WEB-C3", 40_000, 1, 7, 80).await;
        let web = browser();
        let (_, token) = sign_in(&app, &web, "commissioner").await;
        let path = "/commissioner/areas/SY-SHF/policy";
        let zero = [
            ("csrf_token", token.as_str()),
            ("policy", "best_value"),
            ("price_weight", "0"),
            ("quality_weight", "0"),
            ("days_weight", "0"),
        ];
        let (s, html) = post_form(&app, &web, path, &zero).await;
        assert_eq!(s, 422, "{html}");
        assert!(
            html.contains("At least one weight must be above 0"),
            "{html}"
        );
        let (s, html) = post_form(
            &app,
            &web,
            path,
            &[
                ("csrf_token", token.as_str()),
                ("policy", "best_value"),
                ("price_weight", "101"),
                ("quality_weight", "0"),
                ("days_weight", "0"),
            ],
        )
        .await;
        assert_eq!(s, 422);
        assert!(html.contains("The price weight must be 0-100"), "{html}");
        let (_, policy) = app
            .get("/v1/areas/SY-SHF/policy", &app.token("commissioner"))
            .await;
        assert_eq!(policy["policy"], "best_price", "refusals change nothing");
        let mut good = zero;
        good[4] = ("days_weight", "200");
        let (s, location) = post_form(&app, &web, path, &good).await;
        assert_eq!((s, location.as_str()), (303, "/commissioner/areas"));
        let (_, policy) = app
            .get("/v1/areas/SY-SHF/policy", &app.token("commissioner"))
            .await;
        assert_eq!(policy["policy"], "best_value");
        assert_eq!(policy["weights"]["days"], 200);

        // Two orders, one place: the second is unmatched until a place frees; the run
        // looks at it and reports what it did, as the API reads the run.
        purchase(&app, "SY-SHF", "X720001").await;
        let second = purchase(&app, "SY-SHF", "X720002").await;
        assert_eq!(second["status"], "unmatched", "{second}");
        let (s, _) = post_form(&app, &web, "/commissioner/runs", &[("area", "SY-SHF")]).await;
        assert_eq!(s, 403, "no CSRF token, no run");
        let (s, html) = post_form(
            &app,
            &web,
            "/commissioner/runs",
            &[("csrf_token", &token), ("area", "SY-NOPE")],
        )
        .await;
        assert_eq!(s, 404, "{html}");
        let (s, location) = post_form(
            &app,
            &web,
            "/commissioner/runs",
            &[("csrf_token", &token), ("area", "SY-SHF")],
        )
        .await;
        assert_eq!(s, 303);
        let run_id = location.rsplit('/').next().expect("run id").to_owned();
        let (_, run) = app
            .get(
                &format!("/v1/matching/runs/{run_id}"),
                &app.token("commissioner"),
            )
            .await;
        let (s, html) = page(&app, &web, &location).await;
        assert_eq!(s, 200);
        assert_eq!(run["orders_considered"], 1, "{run}");
        assert!(html.contains(&format!(
            "{} of 1 order placed",
            run["placed"].as_u64().expect("placed")
        )));
        assert!(
            html.contains(&format!(
                "id=\"held-for-budget\">{}<",
                run["held_for_budget"].as_u64().expect("held")
            )),
            "{html}"
        );
        assert!(run["completed_at"].is_string(), "{run}");
        assert!(!html.contains("was stopped part way"), "{html}");
        let saving = run["saving"].as_i64().expect("saving");
        assert!(
            html.contains(&format!(
                "id=\"saving\">{}",
                pounds(&saving.abs().to_string())
            )) || html.contains(&format!(
                "id=\"saving\">−{}",
                pounds(&saving.abs().to_string())
            )),
            "{html}"
        );
    }
);

both_backends!(
    each_reports_csv_is_the_apis_and_holds_the_tables_figures,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-WEB-C4", 40_000, 1, 7, 80).await;
        let placed = purchase(&app, "SY-SHF", "X730001").await;
        purchase(&app, "SY-SHF", "X730002").await;
        purchase(&app, "SY-ROT", "X730003").await;
        let p = placed["provider_id"].as_str().expect("placed");
        let offer = placed["offer"]["id"].as_str().expect("offer");
        let (s, _) = app
            .post_empty(
                &format!("/v1/offers/{offer}/accept"),
                &app.provider_token(p),
            )
            .await;
        assert_eq!(s, 200);
        let web = browser();
        sign_in(&app, &web, "commissioner").await;

        for report in ["spend", "unmet-demand", "waiting-times", "providers"] {
            let (s, html) = page(&app, &web, &format!("/commissioner/reports/{report}")).await;
            assert_eq!(s, 200, "{report}: {html}");
            assert!(html.contains("role=\"img\""), "{report} has a chart");
            assert!(html.contains(&format!("id=\"chart-{report}-title\"")));
            let r = web
                .get(app.url(&format!("/commissioner/reports/{report}/csv")))
                .send()
                .await
                .expect("csv");
            assert_eq!(r.status().as_u16(), 200);
            assert!(r
                .headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("attachment")));
            let download = r.text().await.expect("csv");
            let api = app
                .client
                .get(app.url(&format!("/v1/reports/{report}")))
                .bearer_auth(app.token("commissioner"))
                .header("Accept", "text/csv")
                .send()
                .await
                .expect("api csv")
                .text()
                .await
                .expect("body");
            assert_eq!(download, api, "{report}: one writer");
            let table = last_table(&html);
            let rows = csv_rows(&download);
            assert!(!rows.is_empty(), "{report}");
            match report {
                "spend" => {
                    // One row per CSV row, the totals last in both.
                    assert_eq!(table.len(), rows.len());
                    for (t, c) in table.iter().zip(&rows) {
                        let area = if c[0] == "TOTAL" {
                            "Total"
                        } else {
                            c[0].as_str()
                        };
                        assert_eq!(t[0], area);
                        assert_eq!(t[3..6], [c[4].clone(), pounds(&c[5]), pounds(&c[7])]);
                    }
                    assert_eq!(rows.last().map(|c| c[0].as_str()), Some("TOTAL"));
                }
                "unmet-demand" => {
                    // One row per CSV row, then the totals.
                    assert_eq!(table.len(), rows.len() + 1);
                    for (t, c) in table.iter().zip(&rows) {
                        assert!(t[0].ends_with(&format!("({})", c[0])), "{t:?} {c:?}");
                        assert_eq!(t[4..6], c[2..4], "unmatched and awaiting approval");
                        let unplaced: i64 =
                            c[2].parse::<i64>().expect("n") + c[3].parse::<i64>().expect("n");
                        assert_eq!(t[3], unplaced.to_string());
                    }
                    // The grid prints each count.
                    assert!(html.contains("font-size=\"16\">1</text>"), "{html}");
                }
                "waiting-times" => {
                    assert_eq!(table.len(), rows.len() + 1);
                    for (t, c) in table.iter().zip(&rows) {
                        assert_eq!(t[2..4], c[2..4], "orders approved, committed");
                    }
                }
                _ => {
                    assert_eq!(table.len(), rows.len() + 1);
                    for (t, c) in table.iter().zip(&rows) {
                        assert_eq!(t[0], c[1], "the provider's name");
                        assert_eq!(t[1..4], c[7..10], "orders, completed, failed");
                    }
                }
            }
        }

        // A filter narrows the download as it narrows the page; a bad one is refused.
        let (_, html) = page(&app, &web, "/commissioner/reports/unmet-demand?area=SY-ROT").await;
        let r = web
            .get(app.url("/commissioner/reports/unmet-demand/csv?area=SY-ROT"))
            .send()
            .await
            .expect("csv");
        let rows = csv_rows(&r.text().await.expect("body"));
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r[0] == "SY-ROT"), "{rows:?}");
        assert_eq!(last_table(&html).len(), rows.len() + 1);
        let (s, html) = page(
            &app,
            &web,
            "/commissioner/reports/spend?from=2026-12-01&to=2026-11-01",
        )
        .await;
        assert_eq!(s, 422);
        assert!(
            html.contains("The first day must be on or before `to` (2026-11-01)"),
            "{html}"
        );
        let (s, _) = page(&app, &web, "/commissioner/reports/nonsense").await;
        assert_eq!(s, 404);
    }
);

both_backends!(
    a_commissioner_records_an_outcome_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-WEB-C5", 52_000, 3, 3, 80).await;
        let o = purchase(&app, "SY-SHF", "X740001").await;
        let order = o["id"].as_str().expect("order").to_owned();
        let p = o["provider_id"].as_str().expect("placed").to_owned();
        let offer = o["offer"]["id"].as_str().expect("offer");
        let pt = app.provider_token(&p);
        let (s, _) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200);
        let events = format!("/v1/orders/{order}/delivery-events");
        let (s, _) = app.post(&events, &pt, &json!({"type": "started"})).await;
        assert_eq!(s, 201);
        attend_in_full(&app, &p, &order).await;
        let (s, _) = app.post(&events, &pt, &json!({"type": "completed"})).await;
        assert_eq!(s, 201);

        let web = browser();
        let (_, token) = sign_in(&app, &web, "commissioner").await;
        let (s, list) = page(&app, &web, "/commissioner/outcomes").await;
        assert_eq!(s, 200);
        assert!(list.contains("No outcome is recorded yet"), "{list}");
        let path = "/commissioner/outcomes/record";
        let (s, html) = post_form(&app, &web, path, &[("csrf_token", &token)]).await;
        assert_eq!(s, 422);
        assert!(html.contains("Enter the case reference number"), "{html}");
        let chosen = [
            ("csrf_token", token.as_str()),
            ("crn", "X740001"),
            ("period_start", ""),
            ("proven_reoffences", "0"),
        ];
        // The period is not over yet: refused in the API's words.
        let (s, html) = post_form(&app, &web, path, &chosen).await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains("once it is over"), "{html}");
        let started = app.today().to_string();
        provider_hub_tests::outcomes::period_over(&app);
        // A year on, the session has long expired: signed in again.
        let web = browser();
        let (_, token) = sign_in(&app, &web, "commissioner").await;
        let chosen = [
            ("csrf_token", token.as_str()),
            ("crn", "X740001"),
            ("period_start", ""),
            ("proven_reoffences", "0"),
        ];
        let (s, _) = post_form(&app, &web, path, &chosen[1..]).await;
        assert_eq!(s, 403, "no CSRF token");
        let (s, location) = post_form(&app, &web, path, &chosen).await;
        assert_eq!(s, 303, "{location}");
        assert!(
            location.starts_with("/commissioner/outcomes/pout_"),
            "{location}"
        );
        let (_, result) = page(&app, &web, &location).await;
        assert!(result.contains("Outcome: £156 earned"), "{result}");
        assert!(result.contains(&order), "{result}");
        let (_, seen) = app
            .get(&format!("/v1/orders/{order}"), &app.token("commissioner"))
            .await;
        assert_eq!(seen["outcome"], "no_proven_reoffence_12m");
        let (_, list) = page(&app, &web, "/commissioner/outcomes").await;
        assert!(list.contains("X740001"), "{list}");

        // Once: another count for the period is refused in the API's words.
        let (s, html) = post_form(
            &app,
            &web,
            path,
            &[
                ("csrf_token", token.as_str()),
                ("crn", "X740001"),
                ("period_start", started.as_str()),
                ("proven_reoffences", "2"),
            ],
        )
        .await;
        assert_eq!(s, 422, "{html}");
        assert!(html.contains("recorded already"), "{html}");
    }
);

both_backends!(
    an_analyst_reads_the_report_pages_and_nothing_else_of_the_commissioners,
    |app: TestApp| async move {
        seed_market(&app).await;
        let web = browser();
        let (home, token) = sign_in(&app, &web, "analyst").await;
        assert_eq!(home, "/analyst");
        let (s, html) = page(&app, &web, "/analyst").await;
        assert_eq!(s, 200);
        assert!(html.contains("/commissioner/reports/spend"), "{html}");
        for path in [
            "/commissioner/reports",
            "/commissioner/reports/spend",
            "/commissioner/reports/waiting-times",
            "/commissioner/reports/spend/csv",
            // Analysts record reoffending data.
            "/commissioner/outcomes",
        ] {
            let (s, _) = page(&app, &web, path).await;
            assert_eq!(s, 200, "analyst {path}");
        }
        for path in [
            "/commissioner",
            "/commissioner/approvals",
            "/commissioner/areas/SY-SHF/policy",
            "/om",
            "/quality",
        ] {
            let (s, _) = page(&app, &web, path).await;
            assert_eq!(s, 403, "analyst {path}");
        }
        let before = app.snapshot().await;
        let (s, _) = post_form(
            &app,
            &web,
            "/commissioner/runs",
            &[("csrf_token", &token), ("area", "")],
        )
        .await;
        assert_eq!(s, 403, "an analyst runs a batch");
        assert_eq!(app.snapshot().await, before);
    }
);
