//! What the use cases measure, recorded through the `metrics` facade: whichever
//! recorder the process installed (the API's Prometheus exporter, rendered at `/metrics`)
//! gets it; with none installed (the command-line tools) recording costs nothing.

/// Time the matching engine took to place one order (loading candidates, choosing,
/// reserving the place), in this process: a histogram, in seconds.
pub const MATCHING_SECONDS: &str = "hub_matching_duration_seconds";

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Records how long placing one order took.
pub fn matching_took(seconds: f64) {
    metrics::histogram!(MATCHING_SECONDS).record(seconds);
}
