//! The provider's web pages, from outside: signed in locally with a cookie session, a
//! provider sees only its own offers, orders, listings and payments — whatever id the URL
//! names — and a form posted without the session's CSRF token is refused and changes
//! nothing.

use provider_hub_tests::web::{browser, csrf_of, page, post_form};
use provider_hub_tests::*;
use serde_json::Value;

/// Signs in on the local sign-in page as the provider's staff; returns the session's
/// CSRF token.
async fn sign_in_as_provider(app: &TestApp, web: &reqwest::Client, provider_id: &str) -> String {
    let (s, html) = page(app, web, "/sign-in").await;
    assert_eq!(s, 200, "{html}");
    let person = format!("provider:{provider_id}");
    let (s, location) = post_form(
        app,
        web,
        "/sign-in",
        &[("csrf_token", &csrf_of(&html)), ("person", &person)],
    )
    .await;
    assert_eq!((s, location.as_str()), (303, "/provider"));
    let (s, inbox) = page(app, web, "/provider").await;
    assert_eq!(s, 200, "{inbox}");
    csrf_of(&inbox)
}

/// Two unpaid-work providers in Sheffield, each with one order offered to it: A is
/// cheaper but has one place, so the second order goes to B.
async fn two_providers_with_offers(app: &TestApp) -> [(String, String, Value); 2] {
    seed_market(app).await;
    let (a, listing_a) = upw_provider(app, "REG-WEB-A", 40_000, 1, 7, 80).await;
    let (b, listing_b) = upw_provider(app, "REG-WEB-B", 45_000, 3, 7, 80).await;
    let first = purchase(app, "SY-SHF", "X200001").await;
    let second = purchase(app, "SY-SHF", "X200002").await;
    assert_eq!(first["provider_id"], a.as_str(), "{first}");
    assert_eq!(second["provider_id"], b.as_str(), "{second}");
    [(a, listing_a, first), (b, listing_b, second)]
}

fn offer_id(order: &Value) -> String {
    order["offer"]["id"].as_str().expect("offer id").to_owned()
}

fn order_id(order: &Value) -> String {
    order["id"].as_str().expect("order id").to_owned()
}

async fn offer_status(app: &TestApp, provider_id: &str, offer: &str) -> String {
    let (s, page) = app
        .get("/v1/offers?limit=500", &app.provider_token(provider_id))
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|o| o["id"] == offer)
        .map(|o| o["status"].as_str().expect("status").to_owned())
        .expect("the offer")
}

both_backends!(
    a_provider_sees_only_its_own_offers_orders_listings_and_payments,
    |app: TestApp| async move {
        let [(a, listing_a, order_a), (b, listing_b, order_b)] =
            two_providers_with_offers(&app).await;
        let web = browser();
        let token = sign_in_as_provider(&app, &web, &a).await;

        // The inbox lists A's offer and not B's; B's offer, order and listing are not
        // found under A's session, whatever the URL names.
        let (_, inbox) = page(&app, &web, "/provider").await;
        assert!(inbox.contains(&order_id(&order_a)), "{inbox}");
        assert!(!inbox.contains(&order_id(&order_b)), "{inbox}");
        for path in [
            format!("/provider/offers/{}", offer_id(&order_b)),
            format!("/provider/orders/{}", order_id(&order_b)),
            format!("/provider/listings/{listing_b}"),
            format!("/provider/listings/{listing_b}/edit"),
        ] {
            let (s, body) = page(&app, &web, &path).await;
            assert_eq!(s, 404, "{path}: {body}");
            assert!(body.contains("Page not found"), "{path}");
        }

        // Answering B's offer from A's session is refused and leaves it pending.
        let path = format!("/provider/offers/{}/accept", offer_id(&order_b));
        let (s, _) = post_form(&app, &web, &path, &[("csrf_token", &token)]).await;
        assert_eq!(s, 404);
        assert_eq!(offer_status(&app, &b, &offer_id(&order_b)).await, "pending");

        // A accepts its own offer and reports the start on its page; B does the same
        // through the API.
        let path = format!("/provider/offers/{}/accept", offer_id(&order_a));
        let (s, location) = post_form(&app, &web, &path, &[("csrf_token", &token)]).await;
        assert_eq!(s, 303, "{location}");
        let (s, done) = page(&app, &web, &location).await;
        assert_eq!(s, 200);
        assert!(done.contains("Offer accepted"), "{done}");
        let path = format!("/provider/orders/{}/delivery", order_id(&order_a));
        let (s, location) = post_form(
            &app,
            &web,
            &path,
            &[("csrf_token", &token), ("kind", "started")],
        )
        .await;
        assert_eq!(s, 303, "{location}");
        let (_, order_page) = page(&app, &web, &location).await;
        assert!(order_page.contains("Started reported"), "{order_page}");
        assert!(order_page.contains("In delivery"), "{order_page}");
        let bt = app.provider_token(&b);
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{}/accept", offer_id(&order_b)), &bt)
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{}/delivery-events", order_id(&order_b)),
                &bt,
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");

        // Orders, listings and payments: A's own only. A's start payment is 20% of £400.
        for (path, mine, theirs) in [
            ("/provider/orders", order_id(&order_a), order_id(&order_b)),
            ("/provider/listings", listing_a.clone(), listing_b.clone()),
            ("/provider/capacity", listing_a.clone(), listing_b.clone()),
            ("/provider/payments", order_id(&order_a), order_id(&order_b)),
            (
                "/provider?status=accepted",
                order_id(&order_a),
                order_id(&order_b),
            ),
        ] {
            let (s, body) = page(&app, &web, path).await;
            assert_eq!(s, 200, "{path}: {body}");
            assert!(body.contains(&mine), "{path} lacks {mine}");
            assert!(
                !body.contains(&theirs),
                "{path} shows another provider's {theirs}"
            );
        }
        let (_, payments) = page(&app, &web, "/provider/payments").await;
        assert!(payments.contains("£80"), "{payments}");
        assert!(!payments.contains("£90"), "B's start payment: {payments}");
    }
);

both_backends!(
    a_form_without_the_session_csrf_token_is_refused_and_changes_nothing,
    |app: TestApp| async move {
        let [(a, listing_a, order_a), _] = two_providers_with_offers(&app).await;
        let web = browser();
        let token = sign_in_as_provider(&app, &web, &a).await;
        let other = browser();
        let other_token = sign_in_as_provider(&app, &other, &a).await;
        assert_ne!(other_token, token);
        let audit_before = app.audit_count();

        let decline = format!("/provider/offers/{}/decline", offer_id(&order_a));
        let pause = format!("/provider/listings/{listing_a}/pause");
        let capacity = format!("/provider/capacity/{listing_a}");
        let attempts: Vec<(&str, Vec<(&str, &str)>)> = vec![
            (&decline, vec![("reason", "No places")]),
            (
                &decline,
                vec![("reason", "No places"), ("csrf_token", "forged")],
            ),
            (&decline, vec![("reason", "No places"), ("csrf_token", "")]),
            (&pause, vec![]),
            (
                &capacity,
                vec![
                    ("starts_on-day", "1"),
                    ("starts_on-month", "1"),
                    ("starts_on-year", "2030"),
                    ("places", "9"),
                ],
            ),
            (
                "/provider/webhook",
                vec![("url", "https://hooks.example.org/x")],
            ),
        ];
        for (path, fields) in &attempts {
            let (s, body) = post_form(&app, &web, path, fields).await;
            assert_eq!(s, 403, "{path}: {body}");
            assert!(body.contains("This form has expired"), "{path}: {body}");
        }
        // A token from another session does not do either.
        let fields = [
            ("csrf_token", other_token.as_str()),
            ("reason", "No places"),
        ];
        let (s, _) = post_form(&app, &web, &decline, &fields).await;
        assert_eq!(s, 403);

        // Nothing changed: the offer pending, the listing published with its one place,
        // no webhook, nothing audited.
        assert_eq!(offer_status(&app, &a, &offer_id(&order_a)).await, "pending");
        let at = app.provider_token(&a);
        let (_, listing) = app.get(&format!("/v1/listings/{listing_a}"), &at).await;
        assert_eq!(listing["status"], "published", "{listing}");
        assert_eq!(
            listing["capacity"].as_array().map(Vec::len),
            Some(1),
            "{listing}"
        );
        let (s, _) = app.get(&format!("/v1/providers/{a}/webhook"), &at).await;
        assert_eq!(s, 404);
        assert_eq!(app.audit_count(), audit_before);

        // With the session's token the same decline goes through.
        let fields = [("csrf_token", token.as_str()), ("reason", "No places")];
        let (s, location) = post_form(&app, &web, &decline, &fields).await;
        assert_eq!(s, 303, "{location}");
        assert_eq!(
            offer_status(&app, &a, &offer_id(&order_a)).await,
            "declined"
        );
    }
);

both_backends!(
    a_refused_web_action_shows_the_api_reason_on_its_field_and_changes_nothing,
    |app: TestApp| async move {
        let [(a, listing_a, order_a), _] = two_providers_with_offers(&app).await;
        let web = browser();
        let token = sign_in_as_provider(&app, &web, &a).await;
        let at = app.provider_token(&a);

        // The API's reason for an empty decline, and the page's: the same words, linked
        // to the reason field; the offer stays pending.
        let (s, problem) = app
            .post(
                &format!("/v1/offers/{}/decline", offer_id(&order_a)),
                &at,
                &json!({"reason": " "}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        let api_message = problem["errors"][0]["message"].as_str().expect("message");
        let path = format!("/provider/offers/{}/decline", offer_id(&order_a));
        let (s, body) = post_form(
            &app,
            &web,
            &path,
            &[("csrf_token", &token), ("reason", " ")],
        )
        .await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("govuk-error-summary"), "{body}");
        assert!(body.contains("href=\"#reason\""), "{body}");
        assert!(body.contains(api_message), "{api_message} not in {body}");
        assert_eq!(offer_status(&app, &a, &offer_id(&order_a)).await, "pending");

        // A withdrawn listing's capacity: the use case's refusal is said on the calendar.
        let (s, body) = app
            .post_empty(&format!("/v1/listings/{listing_a}/withdraw"), &at)
            .await;
        assert_eq!(s, 200, "{body}");
        let path = format!("/provider/capacity/{listing_a}");
        let (s, body) = post_form(
            &app,
            &web,
            &path,
            &[
                ("csrf_token", &token),
                ("starts_on-day", "1"),
                ("starts_on-month", "1"),
                ("starts_on-year", "2030"),
                ("places", "4"),
            ],
        )
        .await;
        assert_eq!(s, 422, "{body}");
        assert!(
            body.contains("A withdrawn listing has no capacity"),
            "{body}"
        );
        let (_, listing) = app.get(&format!("/v1/listings/{listing_a}"), &at).await;
        assert_eq!(
            listing["capacity"].as_array().map(Vec::len),
            Some(1),
            "{listing}"
        );
    }
);
