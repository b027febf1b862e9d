//! `GET /metrics`: request counts and latency per route and status, the database pool,
//! orders by state, pending offers, the webhook outbox, matching time, and the process.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use provider_hub_market::metrics::{label, Histogram, MATCHING_SECONDS};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::state::AppState;

/// Requests answered, by method, route template and status.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(String, String, u16), Arc<Histogram>>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let series = {
            let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
            map.entry((method.to_owned(), route.to_owned(), status))
                .or_default()
                .clone()
        };
        series.observe(seconds);
    }

    fn render(&self, out: &mut String) {
        let mut series: Vec<_> = self
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        series.sort_by(|a, b| a.0.cmp(&b.0));
        out.push_str(
            "# HELP hub_http_requests_total HTTP requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE hub_http_requests_total counter\n");
        for ((method, route, status), h) in &series {
            let _ = writeln!(
                out,
                "hub_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {}",
                label(method),
                label(route),
                h.count()
            );
        }
        out.push_str("# HELP hub_http_request_duration_seconds Time to answer HTTP requests, by method, route and status.\n");
        out.push_str("# TYPE hub_http_request_duration_seconds histogram\n");
        for ((method, route, status), h) in &series {
            h.render(
                "hub_http_request_duration_seconds",
                &format!(
                    "method=\"{}\",route=\"{}\",status=\"{status}\"",
                    label(method),
                    label(route)
                ),
                out,
            );
        }
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

fn gauge(out: &mut String, name: &str, help: &str, values: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (labels, value) in values {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
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
    let pool = state.pool.state();
    let size = f64::from(pool.connections);
    let idle = f64::from(pool.idle_connections);
    gauge(
        &mut out,
        "hub_db_pool_connections",
        "Database connections of this process, in use and idle.",
        &[
            ("state=\"in_use\"".into(), size - idle),
            ("state=\"idle\"".into(), idle),
        ],
    );
    gauge(
        &mut out,
        "hub_db_pool_max_connections",
        "The most database connections this process opens.",
        &[(String::new(), f64::from(state.pool.max_size()))],
    );
    let stats = state
        .db(|conn| Ok(provider_hub_store::stats::read(conn).ok()))
        .await
        .ok()
        .flatten();
    gauge(
        &mut out,
        "hub_database_up",
        "Whether the database answered this scrape.",
        &[(String::new(), if stats.is_some() { 1.0 } else { 0.0 })],
    );
    if let Some(stats) = stats {
        let orders: Vec<(String, f64)> = stats
            .orders_by_status
            .iter()
            .map(|(s, n)| (format!("status=\"{}\"", label(s)), *n as f64))
            .collect();
        gauge(
            &mut out,
            "hub_orders",
            "Intervention orders, by status.",
            &orders,
        );
        gauge(
            &mut out,
            "hub_offers_pending",
            "Offers waiting for their provider's answer.",
            &[(String::new(), stats.offers_pending as f64)],
        );
        let outbox: Vec<(String, f64)> = ["pending", "delivered", "dead"]
            .iter()
            .map(|s| {
                let n = stats
                    .deliveries_by_status
                    .iter()
                    .find(|(status, _)| status == s)
                    .map_or(0, |(_, n)| *n);
                (format!("status=\"{s}\""), n as f64)
            })
            .collect();
        gauge(
            &mut out,
            "hub_outbox_deliveries",
            "Webhook deliveries in the outbox, by status (pending is the backlog).",
            &outbox,
        );
    }
    out.push_str("# HELP hub_matching_duration_seconds Time the matching engine took to place one order, in this process.\n");
    out.push_str("# TYPE hub_matching_duration_seconds histogram\n");
    MATCHING_SECONDS.render("hub_matching_duration_seconds", "", &mut out);
    if let Some(rss) = resident_bytes() {
        gauge(
            &mut out,
            "process_resident_memory_bytes",
            "Resident memory of this process.",
            &[(String::new(), rss)],
        );
    }
    gauge(
        &mut out,
        "process_start_time_seconds",
        "When this process started, in seconds since the Unix epoch.",
        &[(String::new(), state.started_at.timestamp() as f64)],
    );
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(metrics);
}
