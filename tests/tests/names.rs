//! Answers carry the names beside the ids: an order, an offer, a listing, a payment and a
//! plan's quote say which provider, listing and specification they mean.

use provider_hub_tests::{
    both_backends, json, manager_token, proposed_plan, purchase, seed_market, upw_provider, TestApp,
};

const PROVIDER: &str = "Provider REG-NAMES-1";
const LISTING: &str = "Community payback, Sheffield";
const SPECIFICATION: &str = "Unpaid work, standard placement";

both_backends!(
    orders_offers_listings_payments_and_quotes_are_named,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, listing) = upw_provider(&app, "REG-NAMES-1", 40_000, 10, 3, 80).await;
        let pt = app.provider_token(&provider);

        // The plan's quote, before anything is bought.
        let (_, plan) = proposed_plan(&app, "SY-SHF", "X200001", app.today()).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let (s, costed) = app.get(&format!("/v1/sentence-plans/{plan}"), &ann).await;
        assert_eq!(s, 200, "{costed}");
        let quote = &costed["items"][0]["quote"];
        assert_eq!(quote["provider_name"], PROVIDER, "{costed}");
        assert_eq!(quote["listing_title"], LISTING);
        assert_eq!(quote["specification"]["title"], SPECIFICATION);

        let order = purchase(&app, "SY-SHF", "X200002").await;
        let id = order["id"].as_str().expect("id");
        assert_eq!(order["provider_name"], PROVIDER, "{order}");
        assert_eq!(order["listing_title"], LISTING);
        assert_eq!(
            order["specification"],
            json!({"code": "UPW-STD", "version": 1, "title": SPECIFICATION})
        );
        // An order carries its offender manager (the plan's approver) and area.
        assert_eq!(order["area"], "SY-SHF");
        assert!(order["created_by"].as_str().is_some_and(|s| !s.is_empty()));

        let (s, offers) = app.get("/v1/offers?status=pending", &pt).await;
        assert_eq!(s, 200, "{offers}");
        let offer = &offers["items"][0];
        assert_eq!(offer["provider_name"], PROVIDER, "{offers}");
        assert_eq!(offer["listing_title"], LISTING);
        assert_eq!(offer["specification"]["code"], "UPW-STD");
        // What the provider needs to decide.
        for field in [
            "category",
            "required_by",
            "starts_on",
            "price_pence",
            "area",
        ] {
            assert!(!offer[field].is_null(), "{field}: {offer}");
        }

        let (s, read) = app.get(&format!("/v1/listings/{listing}"), &pt).await;
        assert_eq!(s, 200, "{read}");
        assert_eq!(read["provider_name"], PROVIDER);
        assert_eq!(read["specification_title"], SPECIFICATION);
        let (_, found) = app.get("/v1/listings?area=SY-SHF", &ann).await;
        assert_eq!(found["items"][0]["provider_name"], PROVIDER, "{found}");

        let offer_id = offer["id"].as_str().expect("offer id");
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer_id}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{id}/delivery-events"),
                &pt,
                &json!({"type": "started", "on": app.today().to_string()}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let (s, payments) = app.get("/v1/payments", &app.token("commissioner")).await;
        assert_eq!(s, 200, "{payments}");
        let payment = &payments["items"][0];
        assert_eq!(payment["provider_name"], PROVIDER, "{payments}");
        assert_eq!(payment["listing_title"], LISTING);
    }
);
