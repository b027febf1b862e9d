//! A start date's places are kept in shares: buyers of one date take places side by side
//! instead of one after another, and still never more places than there are, on both
//! backends; the capacity providers read and set adds the shares up.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use provider_hub_store::capacity::{release_place, reserve_place};
use provider_hub_store::{unaudited_transaction, DbConn};
use provider_hub_tests::orders::free_places;
use provider_hub_tests::{both_backends, json, seed_market, upw_provider, TestApp};

/// The date of the listing's one start date.
fn start_of(app: &TestApp) -> chrono::NaiveDate {
    app.today() + chrono::Duration::days(7)
}

both_backends!(
    a_dates_places_are_sold_once_each_and_read_as_one_date,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, l) = upw_provider(&app, "SHARE-1", 30_000, 20, 7, 80).await;
        let on = start_of(&app);
        // 24 buyers at once, each on a connection of its own: 20 get a place.
        let buyers: Vec<_> = (0..24)
            .map(|_| {
                let mut conn = app.db.connect();
                let l = l.clone();
                std::thread::spawn(move || {
                    unaudited_transaction(&mut conn, |c| reserve_place(c, &l, on)).expect("reserve")
                })
            })
            .collect();
        let sold = buyers
            .into_iter()
            .map(|b| b.join().expect("buyer"))
            .filter(|taken| *taken)
            .count();
        assert_eq!(sold, 20, "every place sold once, none twice");
        assert_eq!(free_places(&app, &p, &l).await, vec![0]);
        let mut conn = app.db.connect();
        assert!(!reserve_place(&mut conn, &l, on).expect("reserve"), "full");

        // A place given back is free again, once.
        assert!(release_place(&mut conn, &l, on).expect("release"));
        assert_eq!(free_places(&app, &p, &l).await, vec![1]);
        assert!(reserve_place(&mut conn, &l, on).expect("reserve"));
        assert!(!reserve_place(&mut conn, &l, on).expect("reserve"));

        // More places on the date keep the ones sold.
        let (s, listing) = app
            .put(
                &format!("/v1/listings/{l}/capacity"),
                &app.provider_token(&p),
                &json!({"slots": [{"starts_on": on.to_string(), "places": 25}]}),
            )
            .await;
        assert_eq!(s, 200, "{listing}");
        assert_eq!(
            listing["capacity"],
            json!([{"starts_on": on.to_string(), "places": 25, "taken": 20, "free": 5}])
        );
        let more = (0..7)
            .filter(|_| reserve_place(&mut conn, &l, on).expect("reserve"))
            .count();
        assert_eq!(more, 5);
        // Fewer places than are sold is refused, and changes nothing.
        let (s, problem) = app
            .put(
                &format!("/v1/listings/{l}/capacity"),
                &app.provider_token(&p),
                &json!({"slots": [{"starts_on": on.to_string(), "places": 24}]}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(free_places(&app, &p, &l).await, vec![0]);
        // Every place given back, then none more.
        let back = (0..26)
            .filter(|_| release_place(&mut conn, &l, on).expect("release"))
            .count();
        assert_eq!(back, 25);
        assert_eq!(free_places(&app, &p, &l).await, vec![25]);
    }
);

/// A buyer that takes a place on `listing`'s date in a transaction left open until told
/// how to end it (true: commit). Returns once the place is taken (or not).
fn holder(
    mut conn: DbConn,
    listing: String,
    on: chrono::NaiveDate,
) -> (bool, mpsc::Sender<bool>, std::thread::JoinHandle<()>) {
    let (taken_tx, taken_rx) = mpsc::channel();
    let (end_tx, end_rx) = mpsc::channel::<bool>();
    let thread = std::thread::spawn(move || {
        let _ = unaudited_transaction(&mut conn, |c| {
            let taken = reserve_place(c, &listing, on).expect("reserve");
            taken_tx.send(taken).expect("send");
            match end_rx.recv() {
                Ok(true) => Ok(()),
                _ => Err(diesel::result::Error::RollbackTransaction),
            }
        });
    });
    let taken = taken_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the buyer waited for another's place");
    (taken, end_tx, thread)
}

/// A buyer's try, on its own thread: its answer and how long it took.
fn try_buy(
    mut conn: DbConn,
    listing: String,
    on: chrono::NaiveDate,
) -> std::thread::JoinHandle<(bool, Duration)> {
    std::thread::spawn(move || {
        let started = Instant::now();
        let taken =
            unaudited_transaction(&mut conn, |c| reserve_place(c, &listing, on)).expect("reserve");
        (taken, started.elapsed())
    })
}

#[actix_web::test]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn buyers_of_one_date_do_not_queue_behind_each_other_on_postgres() {
    let app = TestApp::spawn_with(provider_hub_tests::Backend::Postgres, |_| {}).await;
    seed_market(&app).await;
    let (p, l) = upw_provider(&app, "SHARE-2", 30_000, 3, 7, 80).await;
    let on = start_of(&app);

    // Two buyers hold a place each, their transactions open: a third takes the last
    // place at once instead of waiting for them.
    let (first, end_first, first_thread) = holder(app.db.connect(), l.clone(), on);
    let (second, end_second, second_thread) = holder(app.db.connect(), l.clone(), on);
    assert!(first && second);
    let (third, end_third, third_thread) = holder(app.db.connect(), l.clone(), on);
    assert!(third, "the third place was free");

    // A fourth finds every place held: it waits for a holder, and takes the place the
    // first gives up by rolling back.
    let fourth = try_buy(app.db.connect(), l.clone(), on);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !fourth.is_finished(),
        "a held place is not yet free or sold"
    );
    end_first.send(false).expect("end");
    let (taken, _) = fourth.join().expect("fourth");
    assert!(taken, "the place the first gave up went to the fourth");

    // A fifth waits as well, and is refused once the holders commit: the date is full.
    let fifth = try_buy(app.db.connect(), l.clone(), on);
    std::thread::sleep(Duration::from_millis(300));
    end_second.send(true).expect("end");
    end_third.send(true).expect("end");
    let (taken, waited) = fifth.join().expect("fifth");
    assert!(!taken, "no place was left: {waited:?}");
    for t in [first_thread, second_thread, third_thread] {
        t.join().expect("holder");
    }
    assert_eq!(free_places(&app, &p, &l).await, vec![0]);
    let slots = provider_hub_store::capacity::capacity(&mut app.db.connect(), &l).expect("read");
    assert_eq!((slots[0].places, slots[0].taken), (3, 3));

    // The provider sets the date's capacity while a sale is in flight: the new capacity
    // waits for it and counts its place, instead of writing the shares over it.
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &app.provider_token(&p),
            &json!({"slots": [{"starts_on": on.to_string(), "places": 5}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (taken, end_sale, sale) = holder(app.db.connect(), l.clone(), on);
    assert!(taken);
    let mut conn = app.db.connect();
    let listing = l.clone();
    let replacing = std::thread::spawn(move || {
        unaudited_transaction(&mut conn, |c| {
            provider_hub_store::capacity::replace_capacity(
                c,
                &listing,
                &[provider_hub_domain::listing::CapacitySlot {
                    starts_on: on,
                    places: 6,
                }],
            )
        })
        .expect("replace")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(!replacing.is_finished(), "the sale in flight is waited for");
    end_sale.send(true).expect("end");
    sale.join().expect("sale");
    assert!(replacing.join().expect("replacing"));
    let slots = provider_hub_store::capacity::capacity(&mut app.db.connect(), &l).expect("read");
    assert_eq!(
        (slots[0].places, slots[0].taken),
        (6, 4),
        "the sale kept its place"
    );
}
