//! `GET /metrics`: request counts and latency per route and status, the database pool,
//! orders by state, pending offers, the webhook outbox, matching time, and the process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use ::metrics::{describe_counter, describe_gauge, describe_histogram, gauge, Label};
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use provider_hub_market::metrics::{BUCKETS, MATCHING_SECONDS};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::state::AppState;

const REQUESTS: &str = "hub_http_requests_total";
const REQUEST_SECONDS: &str = "hub_http_request_duration_seconds";

/// Requests observed between two upkeeps of the request histograms (which fold the
/// samples they hold into their buckets), so a hub nobody scrapes keeps no backlog.
const UPKEEP_EVERY: u64 = 1024;

/// A recorder that renders Prometheus text, with the hub's latency buckets.
fn recorder() -> PrometheusRecorder {
    match PrometheusBuilder::new().set_buckets(&BUCKETS) {
        Ok(builder) => builder.build_recorder(),
        // Only an empty bucket list is refused; BUCKETS is not empty.
        Err(_) => PrometheusBuilder::new().build_recorder(),
    }
}

/// The process-wide recorder, installed once: what the use cases record (matching time)
/// wherever they run in this process. None when another recorder was installed first.
fn process() -> Option<&'static PrometheusHandle> {
    static PROCESS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    PROCESS
        .get_or_init(|| {
            let recorder = recorder();
            let handle = recorder.handle();
            ::metrics::set_global_recorder(recorder).ok()?;
            describe_histogram!(
                MATCHING_SECONDS,
                "Time the matching engine took to place one order, in this process."
            );
            // Registered now, so the histogram is shown (empty) before the first match.
            let _ = ::metrics::histogram!(MATCHING_SECONDS);
            Some(handle)
        })
        .as_ref()
}

/// Requests answered by this hub, by method, route template and status.
pub struct Metrics {
    requests: PrometheusRecorder,
    observed: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        process();
        let requests = recorder();
        ::metrics::with_local_recorder(&requests, || {
            describe_counter!(
                REQUESTS,
                "HTTP requests answered, by method, route and status."
            );
            describe_histogram!(
                REQUEST_SECONDS,
                "Time to answer HTTP requests, by method, route and status."
            );
        });
        Metrics {
            requests,
            observed: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = [
            Label::new("method", method.to_owned()),
            Label::new("route", route.to_owned()),
            Label::new("status", status.to_string()),
        ];
        ::metrics::with_local_recorder(&self.requests, || {
            ::metrics::counter!(REQUESTS, labels.iter()).increment(1);
            ::metrics::histogram!(REQUEST_SECONDS, labels.iter()).record(seconds);
        });
        if self.observed.fetch_add(1, Ordering::Relaxed) % UPKEEP_EVERY == UPKEEP_EVERY - 1 {
            self.requests.handle().run_upkeep();
        }
    }

    fn render(&self, out: &mut String) {
        out.push_str(&self.requests.handle().render());
    }
}

/// Times every request and counts it under its route template (not its path, so ids do
/// not make a series each).
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let started = std::time::Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await?;
    if let Some(state) = state {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        state.metrics.observe(
            &method,
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response.map_into_boxed_body().map_into_left_body())
}

/// Writes one gauge, its help and its samples (`labels` as name–value pairs).
fn gauge(name: &'static str, help: &'static str, values: &[(&[(&'static str, &str)], f64)]) {
    describe_gauge!(name, help);
    for (labels, value) in values {
        let labels: Vec<Label> = labels
            .iter()
            .map(|(k, v)| Label::new(*k, (*v).to_owned()))
            .collect();
        gauge!(name, labels).set(*value);
    }
}

/// The process's resident memory, from `/proc` where there is one.
fn resident_bytes() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096.0)
}

/// Prometheus metrics of this process (text exposition format 0.0.4).
#[utoipa::path(tag = "health", responses(
    (status = 200, description = "Metrics in the Prometheus text format", body = String, content_type = "text/plain"),
))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut out = String::new();
    state.metrics.render(&mut out);
    let stats = state
        .db(|conn| Ok(provider_hub_store::stats::read(conn).ok()))
        .await
        .ok()
        .flatten();
    // What this scrape read (the pool, the database, the process) goes into a recorder of
    // its own, so a series the database no longer answers for is not shown stale.
    let scrape = recorder();
    ::metrics::with_local_recorder(&scrape, || {
        let pool = state.pool.state();
        let size = f64::from(pool.connections);
        let idle = f64::from(pool.idle_connections);
        gauge(
            "hub_db_pool_connections",
            "Database connections of this process, in use and idle.",
            &[
                (&[("state", "in_use")], size - idle),
                (&[("state", "idle")], idle),
            ],
        );
        gauge(
            "hub_db_pool_max_connections",
            "The most database connections this process opens.",
            &[(&[], f64::from(state.pool.max_size()))],
        );
        gauge(
            "hub_database_up",
            "Whether the database answered this scrape.",
            &[(&[], if stats.is_some() { 1.0 } else { 0.0 })],
        );
        if let Some(stats) = &stats {
            let orders: Vec<([(&'static str, &str); 1], f64)> = stats
                .orders_by_status
                .iter()
                .map(|(s, n)| ([("status", s.as_str())], *n as f64))
                .collect();
            let orders: Vec<(&[(&'static str, &str)], f64)> =
                orders.iter().map(|(l, n)| (&l[..], *n)).collect();
            gauge("hub_orders", "Intervention orders, by status.", &orders);
            gauge(
                "hub_offers_pending",
                "Offers waiting for their provider's answer.",
                &[(&[], stats.offers_pending as f64)],
            );
            let outbox: Vec<([(&'static str, &str); 1], f64)> = ["pending", "delivered", "dead"]
                .iter()
                .map(|s| {
                    let n = stats
                        .deliveries_by_status
                        .iter()
                        .find(|(status, _)| status == s)
                        .map_or(0, |(_, n)| *n);
                    ([("status", *s)], n as f64)
                })
                .collect();
            let outbox: Vec<(&[(&'static str, &str)], f64)> =
                outbox.iter().map(|(l, n)| (&l[..], *n)).collect();
            gauge(
                "hub_outbox_deliveries",
                "Webhook deliveries in the outbox, by status (pending is the backlog).",
                &outbox,
            );
        }
        if let Some(rss) = resident_bytes() {
            gauge(
                "process_resident_memory_bytes",
                "Resident memory of this process.",
                &[(&[], rss)],
            );
        }
        gauge(
            "process_start_time_seconds",
            "When this process started, in seconds since the Unix epoch.",
            &[(&[], state.started_at.timestamp() as f64)],
        );
    });
    out.push_str(&scrape.handle().render());
    if let Some(process) = process() {
        out.push_str(&process.render());
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(metrics);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_renders_cumulative_buckets_sum_and_count() {
        let recorder = recorder();
        ::metrics::with_local_recorder(&recorder, || {
            let h = ::metrics::histogram!("x_seconds", "route" => "/a");
            for seconds in [0.002, 0.002, 0.3, 99.0] {
                h.record(seconds);
            }
        });
        let out = recorder.handle().render();
        for line in [
            "x_seconds_bucket{route=\"/a\",le=\"0.001\"} 0\n",
            "x_seconds_bucket{route=\"/a\",le=\"0.0025\"} 2\n",
            "x_seconds_bucket{route=\"/a\",le=\"0.5\"} 3\n",
            "x_seconds_bucket{route=\"/a\",le=\"10\"} 3\n",
            "x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n",
            "x_seconds_count{route=\"/a\"} 4\n",
        ] {
            assert!(out.contains(line), "{line} in {out}");
        }
        let sum: f64 = out
            .lines()
            .find_map(|l| l.strip_prefix("x_seconds_sum{route=\"/a\"} "))
            .and_then(|v| v.parse().ok())
            .unwrap_or_default();
        assert!((sum - 99.304).abs() < 1e-9, "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        let recorder = recorder();
        ::metrics::with_local_recorder(&recorder, || {
            ::metrics::counter!("x_total", "route" => "a\"b\\c\nd").increment(1);
        });
        let out = recorder.handle().render();
        assert!(
            out.contains("x_total{route=\"a\\\"b\\\\c\\nd\"} 1\n"),
            "{out}"
        );
    }
}
