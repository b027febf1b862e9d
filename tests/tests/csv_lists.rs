//! Orders, offers, listings and payments as CSV (`Accept: text/csv` or `?format=csv`):
//! names beside ids, amounts in pence and in pounds, the next page in a `Link` header.

use provider_hub_tests::{both_backends, json, purchase, seed_market, upw_provider, TestApp};

/// GET as CSV: status, content type, `Link`, the body's lines.
async fn csv(
    app: &TestApp,
    path: &str,
    token: &str,
    accept: bool,
) -> (u16, String, Option<String>, Vec<String>) {
    let mut req = app.client.get(app.url(path)).bearer_auth(token);
    if accept {
        req = req.header("accept", "text/csv");
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, link) = (header("content-type").unwrap_or_default(), header("link"));
    let text = res.text().await.expect("body");
    (
        status,
        content_type,
        link,
        text.split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

both_backends!(
    lists_answer_csv_with_names_and_pounds,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_provider(&app, "REG-CSV-1", 40_050, 10, 3, 80).await;
        let first = purchase(&app, "SY-SHF", "X300001").await;
        purchase(&app, "SY-SHF", "X300002").await;
        let c = app.token("commissioner");
        let name = "Provider REG-CSV-1";

        let (s, content_type, link, lines) = csv(&app, "/v1/orders?limit=1", &c, true).await;
        assert_eq!(s, 200, "{lines:?}");
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        assert!(
            lines[0].starts_with("id,crn,area,category,status,provider_id,provider_name,"),
            "{}",
            lines[0]
        );
        assert_eq!(lines.len(), 2, "a header and one order: {lines:?}");
        assert!(
            lines[1].contains(name) && lines[1].contains(",40050,400.50,"),
            "{}",
            lines[1]
        );
        // The next page by its Link, still CSV and still one at a time.
        let next = link.expect("a Link to the next page");
        let url = next
            .trim_start_matches('<')
            .split('>')
            .next()
            .expect("url")
            .to_owned();
        assert!(url.contains("limit=1"), "{url}");
        let path = url
            .split_once("/v1/")
            .map(|(_, p)| format!("/v1/{p}"))
            .expect("path");
        let (s, _, link, lines) = csv(&app, &path, &c, true).await;
        assert_eq!((s, lines.len(), link), (200, 2, None), "{lines:?}");

        // ?format=csv does what Accept does; another format is refused.
        let (s, content_type, _, lines) = csv(&app, "/v1/orders?format=csv", &c, false).await;
        assert_eq!(s, 200);
        assert!(content_type.starts_with("text/csv"));
        assert_eq!(lines.len(), 3);
        let (s, problem) = app.get("/v1/orders?format=xml", &c).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("format"))
        );

        let pt = app.provider_token(&provider);
        let (s, _, _, lines) = csv(&app, "/v1/offers?format=csv", &pt, false).await;
        assert_eq!(s, 200);
        assert!(lines[0].contains("provider_name") && lines[0].contains("price_pounds"));
        assert!(
            lines
                .iter()
                .skip(1)
                .all(|l| l.contains(name) && l.contains("400.50")),
            "{lines:?}"
        );
        assert_eq!(lines.len(), 3, "{lines:?}");

        let (s, _, _, lines) = csv(&app, "/v1/listings?format=csv", &pt, false).await;
        assert_eq!(s, 200);
        assert!(lines[0].contains("specification_title"), "{}", lines[0]);
        assert!(
            lines[1].contains(name) && lines[1].contains("400.50") && lines[1].contains("SY-SHF"),
            "{lines:?}"
        );

        let offer = {
            let (_, offers) = app.get("/v1/offers?status=pending", &pt).await;
            offers["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|o| o["order_id"] == first["id"])
                .expect("the first order's offer")["id"]
                .as_str()
                .expect("id")
                .to_owned()
        };
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
        let id = first["id"].as_str().expect("id");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{id}/delivery-events"),
                &pt,
                &json!({"type": "started", "on": app.today().to_string()}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let (s, _, _, lines) = csv(&app, "/v1/payments", &c, true).await;
        assert_eq!(s, 200);
        assert!(
            lines[0].contains("amount_pounds") && lines[0].contains("provider_name"),
            "{}",
            lines[0]
        );
        // 20 % of £400.50 is £80.10.
        assert!(
            lines[1].contains(",8010,80.10,") && lines[1].contains(name),
            "{lines:?}"
        );
    }
);
