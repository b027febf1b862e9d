//! Per-client rate limiting of writes (POST, PUT, PATCH, DELETE): a GCRA token bucket per
//! client (the `governor` crate's keyed limiter), refilled at a steady rate; a client out
//! of tokens gets 429 with `Retry-After` and nothing is done. Reads are not limited.
//!
//! A client is the caller its token proves it is (subject, role and the area or provider
//! it acts for), checked before the limit is applied; a request without a valid token is
//! counted against its peer address, so forged tokens never get buckets of their own.
//! The buckets live in the process: with several processes, each allows the rate.
//!
//! The check runs in this middleware rather than through `actix-governor`, whose key
//! extractor is synchronous and cannot check a token (that may fetch the identity
//! provider's keys); here the token is checked once and kept for the handler.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::ApiError;
use crate::state::AppState;

/// How many writes a client may make: `per_second` on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

/// The buckets of the clients seen lately, one process's.
pub struct RateLimiter {
    buckets: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

/// Clients remembered before those whose buckets are full again are forgotten.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let per_second = if limit.per_second.is_finite() && limit.per_second > 0.0 {
            limit.per_second
        } else {
            1.0
        };
        let period = Duration::from_secs_f64(1.0 / per_second).max(Duration::from_nanos(1));
        let burst = NonZeroU32::new(limit.burst.clamp(1.0, f64::from(u32::MAX)) as u32)
            .unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        RateLimiter {
            buckets: governor::RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Takes a token for `client`; when there is none, how many whole seconds until there is.
    pub fn take(&self, client: &str) -> Result<(), u64> {
        if self.buckets.len() > PRUNE_ABOVE {
            self.buckets.retain_recent();
        }
        self.buckets
            .check_key(&client.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                wait.as_secs_f64().ceil().max(1.0) as u64
            })
    }
}

/// Who is writing: the verified caller, else the peer address.
async fn client_of(req: &ServiceRequest) -> String {
    match crate::auth::authenticate(req.request()).await {
        Ok(caller) => format!("caller:{}:{}", caller.scope_key(), caller.sub),
        Err(_) => {
            let peer = req.peer_addr().map(|a| a.ip().to_string());
            format!("addr:{}", peer.unwrap_or_default())
        }
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let writes = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let limiter: Option<Arc<RateLimiter>> = req
        .app_data::<web::Data<AppState>>()
        .and_then(|s| s.rate_limiter.clone());
    if let (true, Some(limiter)) = (writes, limiter) {
        if let Err(wait) = limiter.take(&client_of(&req).await) {
            let problem = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                crate::problems::ProblemType::RateLimited,
                format!("this client is making changes too fast; try again in {wait} s"),
            );
            let mut response = problem.error_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next
        .call(req)
        .await?
        .map_into_boxed_body()
        .map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_and_then_waits_while_others_have_their_own() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 0.5,
            burst: 3.0,
        });
        for _ in 0..3 {
            assert_eq!(limiter.take("a"), Ok(()));
        }
        // One token every two seconds: the wait is one or two whole seconds.
        assert!(matches!(limiter.take("a"), Err(1..=2)));
        assert_eq!(limiter.take("b"), Ok(()));
    }
}
