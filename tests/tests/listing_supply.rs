//! A listing search answered from the supply held in memory
//! (`provider_hub_market::listings::Supply`, what the API makes new answers from) finds
//! what the database's search finds, page by page, for every kind of caller and filter,
//! over a market with drafts, paused and withdrawn listings, suspended providers, a
//! retired specification, expired and low-scored accreditations.

use chrono::{Duration, Utc};
use diesel::connection::SimpleConnection;
use provider_hub_domain::auth::{Role, Scope};
use provider_hub_domain::category::Category;
use provider_hub_domain::listing::{
    DeliveryMode, IllegalListingTransition, ListingFormat, ListingStatus, NewListing,
};
use provider_hub_domain::provider::{Contact, NewAccreditation, NewProvider, Sector};
use provider_hub_domain::AreaCode;
use provider_hub_market::access::Caller;
use provider_hub_market::listings::{self, Supply};
use provider_hub_market::{areas, providers, specifications, Actor};
use provider_hub_store::listings::ListingFilter;
use provider_hub_store::DbConn;
use provider_hub_tests::{both_backends, specification_body, TestApp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CATEGORIES: [(&str, &str, &str); 3] = [
    ("UPW-STD", "unpaid_work", "education_training_employment"),
    ("ALC-TRT", "alcohol_treatment", "alcohol"),
    ("ACC-SUP", "accommodation", "accommodation"),
];
/// A listing's transition and its audit action.
type Step = (
    fn(ListingStatus) -> Result<ListingStatus, IllegalListingTransition>,
    &'static str,
);

const AREAS: [&str; 4] = ["AR-00", "AR-01", "AR-02", "AR-03"];

/// A market of 10 providers with 8 listings each in random categories, areas and
/// statuses; the providers' ids.
fn market(conn: &mut DbConn) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(7);
    let admin = Actor {
        sub: "admin".into(),
        role: "admin".into(),
    };
    let now = Utc::now();
    for code in AREAS {
        let new = serde_json::from_value(serde_json::json!({
            "code": code, "name": format!("Area {code}"), "region": "Test"
        }))
        .expect("an area");
        areas::create(conn, &admin, new, now).expect("area created");
    }
    for (code, category, need) in CATEGORIES {
        let mut body = specification_body(code);
        body["category"] = serde_json::json!(category);
        body["needs"] = serde_json::json!([need]);
        body["delivery_standard"]["format"] = serde_json::json!("either");
        let new = serde_json::from_value(body).expect("a specification");
        specifications::create(conn, &admin, new, now).expect("specification created");
        specifications::publish(conn, &admin, code, 1, now).expect("published");
    }
    let mut ids = Vec::new();
    for p in 0..10 {
        let provider = providers::register(
            conn,
            &admin,
            NewProvider {
                name: format!("Provider {p}"),
                sector: Sector::Voluntary,
                registration_number: format!("SUP-{p:04}"),
                contact: Contact {
                    name: "Desk".into(),
                    email: "desk@example.org".into(),
                    phone: None,
                },
            },
            now,
        )
        .expect("provider registered");
        for (_, category, _) in CATEGORIES {
            providers::accredit(
                conn,
                &admin,
                &provider.id,
                NewAccreditation {
                    category: category.parse::<Category>().expect("a category"),
                    score: rng.random_range(40..=100),
                    assessed_on: now.date_naive() - Duration::days(rng.random_range(0..30)),
                    expires_on: now.date_naive() + Duration::days(rng.random_range(1..600)),
                    notes: String::new(),
                },
                now,
            )
            .expect("accredited");
        }
        let own = Actor {
            sub: format!("staff-{p}"),
            role: "provider".into(),
        };
        for _ in 0..8 {
            let (code, _, _) = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
            let mut served: Vec<AreaCode> = (0..rng.random_range(1..=3))
                .map(|_| AreaCode::parse(AREAS[rng.random_range(0..AREAS.len())]).expect("code"))
                .collect();
            served.sort();
            served.dedup();
            let listing = listings::create(
                conn,
                &own,
                &provider.id,
                NewListing {
                    specification_code: code.into(),
                    specification_version: 1,
                    title: format!("{code} by provider {p}"),
                    description: String::new(),
                    areas: served,
                    price_pence: rng.random_range(20_000..=60_000),
                    delivery_format: ListingFormat::Group,
                    delivery_mode: DeliveryMode::InPerson,
                    eligibility: Default::default(),
                },
                now,
            )
            .expect("listing created");
            // Published, paused, withdrawn or left a draft (publishing a non-member's
            // listing is refused: it stays a draft).
            let steps: &[Step] = match rng.random_range(0..5) {
                0 => &[],
                1 => &[
                    (ListingStatus::publish, "listing.published"),
                    (ListingStatus::pause, "listing.paused"),
                ],
                2 => &[(ListingStatus::withdraw, "listing.withdrawn")],
                _ => &[(ListingStatus::publish, "listing.published")],
            };
            for (step, action) in steps {
                let _ = listings::transition(
                    conn,
                    &own,
                    &provider.id,
                    &listing.listing.id,
                    *step,
                    action,
                    now,
                );
            }
        }
        ids.push(provider.id);
    }
    // Changed by hand, as the quality team's screens would: two providers suspended and
    // revoked, a specification retired, an accreditation expired and one scored low.
    conn.batch_execute(&format!(
        "UPDATE providers SET standing = 'suspended' WHERE id = '{}';
         UPDATE providers SET standing = 'revoked' WHERE id = '{}';
         UPDATE specifications SET status = 'retired' WHERE code = 'ACC-SUP';
         UPDATE accreditations SET expires_on = assessed_on WHERE provider_id = '{}';
         UPDATE accreditations SET score = 10 WHERE provider_id = '{}' AND category = 'unpaid_work';",
        ids[1], ids[2], ids[3], ids[4]
    ))
    .expect("changed by hand");
    ids
}

/// Every page of the database's search and of the supply's, side by side.
fn same_pages(
    conn: &mut DbConn,
    supply: &Supply,
    caller: &Caller,
    filter: &ListingFilter,
) -> usize {
    let visibility = listings::search_visibility(caller);
    let mut seen = 0;
    for limit in [1, 3, 50] {
        let mut after: Option<String> = None;
        loop {
            let asked = format!(
                "{filter:?} after {after:?} limit {limit} as {:?}",
                caller.role
            );
            let sql = listings::search(conn, caller, filter, None, after.clone(), limit)
                .expect("the database's search");
            let held = supply
                .search(filter, &visibility, after.as_deref(), limit)
                .expect("every cursor given is a listing of the supply");
            assert_eq!(
                serde_json::to_value(&held.items).expect("json"),
                serde_json::to_value(&sql.items).expect("json"),
                "{asked}"
            );
            assert_eq!(held.next, sql.next, "{asked}");
            seen += held.items.len();
            match sql.next.as_deref() {
                Some(next) => after = provider_hub_store::cursor::decode(next),
                None => break,
            }
        }
    }
    seen
}

both_backends!(
    the_supply_in_memory_finds_what_the_database_finds,
    |app: TestApp| async move {
        let mut conn = app.db.connect();
        let providers = market(&mut conn);
        let supply = Supply::load(&mut conn).expect("the supply");
        let now = Utc::now();
        let callers = [
            Caller::new("q", Role::Quality, Scope::Hub, now),
            Caller::new(
                "om",
                Role::OffenderManager,
                Scope::Area(AreaCode::parse("AR-01").expect("code")),
                now,
            ),
            // A year on, most accreditations have expired.
            Caller::new(
                "om",
                Role::OffenderManager,
                Scope::Area(AreaCode::parse("AR-01").expect("code")),
                now + Duration::days(400),
            ),
            Caller::new(
                "p",
                Role::Provider,
                Scope::Provider(providers[0].clone()),
                now,
            ),
        ];
        let filters = [
            ListingFilter::default(),
            ListingFilter {
                category: Some("unpaid_work".into()),
                ..Default::default()
            },
            ListingFilter {
                code: Some("ALC-TRT".into()),
                area: Some("AR-02".into()),
                ..Default::default()
            },
            ListingFilter {
                area: Some("AR-00".into()),
                ..Default::default()
            },
            ListingFilter {
                provider_id: Some(providers[5].clone()),
                ..Default::default()
            },
            ListingFilter {
                status: Some(ListingStatus::Paused),
                ..Default::default()
            },
            ListingFilter {
                category: Some("accommodation".into()),
                area: Some("AR-03".into()),
                status: Some(ListingStatus::Published),
                ..Default::default()
            },
            ListingFilter {
                area: Some("NO-SUCH".into()),
                ..Default::default()
            },
        ];
        let mut counts = Vec::new();
        for caller in &callers {
            let mut found = 0;
            for filter in &filters {
                found += same_pages(&mut conn, &supply, caller, filter);
            }
            counts.push(found);
        }
        // Each caller sees something, and not all see the same: the rules were exercised.
        assert!(counts.iter().all(|&n| n > 0), "{counts:?}");
        assert!(counts[0] > counts[1] && counts[1] > counts[2], "{counts:?}");

        // A cursor that is no listing of the supply is left to the database.
        let visibility = listings::search_visibility(&callers[0]);
        assert!(supply
            .search(&ListingFilter::default(), &visibility, Some("lst_0"), 10)
            .is_none());

        // The supply is read at the version it is of, and moves on with it.
        let before = supply.version();
        conn.batch_execute(
            "UPDATE listings SET title = 'Renamed' WHERE id = (SELECT min(id) FROM listings)",
        )
        .expect("renamed");
        let after = Supply::load(&mut conn).expect("the supply");
        assert!(after.version() > before);
        let first = after
            .search(&ListingFilter::default(), &visibility, None, 1)
            .expect("a page");
        assert_eq!(first.items[0].title, "Renamed");
    }
);
