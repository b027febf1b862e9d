//! The commissioner's report pages over the reports bench's database: the hub serves it
//! (its background worker slowed so it changes nothing), a commissioner signs in, and
//! each report page and CSV download is timed over loopback, everything and one area.

use provider_hub_tests::{Backend, TestApp};

use crate::web::{ms, percentile, Browser};

pub fn time(backend: Backend, database_url: &str, name: &str) {
    let url = database_url.to_owned();
    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::spawn_with(backend, |config| {
            config.database_url = url;
            config.worker_interval_ms = 3_600_000;
            config.dispatch_interval_ms = 3_600_000;
        })
        .await;
        let browser = Browser::sign_in(&app, "commissioner").await;
        println!();
        println!("Web report pages ({name}): 2 untimed then 7 timed requests each, one at a time");
        println!();
        println!("| page | scope | size | p50 | max |");
        println!("|---|---|---|---|---|");
        for report in ["spend", "unmet-demand", "waiting-times", "providers"] {
            for (scope, query) in [("everything", ""), ("one area", "?area=AR-07")] {
                for (kind, path) in [
                    ("page", format!("/commissioner/reports/{report}{query}")),
                    ("CSV", format!("/commissioner/reports/{report}/csv{query}")),
                ] {
                    let (times, size) = browser.time(&app.url(&path), 2, 7).await;
                    println!(
                        "| {report} {kind} | {scope} | {} kB | {} | {} |",
                        size / 1000,
                        ms(percentile(&times, 0.5)),
                        ms(times[times.len() - 1])
                    );
                }
            }
        }
    });
}
