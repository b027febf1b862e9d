//! Events about orders and offers — what a provider's webhook receives and what
//! `GET /v1/events` answers — and how a delivery is signed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

crate::string_enum! {
    /// What happened to an order or its offer.
    pub enum EventKind {
        /// The order was offered to a provider (`offer_id`), waiting for its answer.
        OfferCreated => "offer.created",
        OfferAccepted => "offer.accepted",
        OfferDeclined => "offer.declined",
        /// The provider did not answer in time.
        OfferExpired => "offer.expired",
        /// The offer was taken back: its order was cancelled while the offer was pending,
        /// or its provider was suspended or revoked (the order is then matched again).
        OfferWithdrawn => "offer.withdrawn",
        /// No listing met every rule.
        OrderUnmatched => "order.unmatched",
        /// Its price would take the area over budget: a commissioner must approve it.
        OrderAwaitingBudgetApproval => "order.awaiting_budget_approval",
        OrderBudgetApproved => "order.budget_approved",
        /// An unmatched order is being matched again after the market changed.
        OrderReopened => "order.reopened",
        OrderCancelled => "order.cancelled",
        /// The provider holding the order was suspended: the order stays with it, and the
        /// offender manager may cancel it and buy again.
        OrderProviderSuspended => "order.provider_suspended",
        /// The provider holding the order was revoked: an order not yet started is taken
        /// from it and matched again.
        OrderProviderRevoked => "order.provider_revoked",
        OrderStarted => "order.started",
        OrderSessionAttended => "order.session_attended",
        OrderSessionMissed => "order.session_missed",
        OrderNonCompliance => "order.non_compliance",
        OrderCompleted => "order.completed",
        OrderFailed => "order.failed",
        OrderOutcomeRecorded => "order.outcome_recorded",
        /// The offender manager ended the order in delivery, with a reason: the place is
        /// freed and nothing further is paid.
        OrderTerminated => "order.terminated",
        /// The offender manager decided on a missed appointment or non-compliance: an
        /// acceptable absence or a warning.
        OrderFailureDecided => "order.failure_decided",
        /// By the breach rule the order is flagged for breach.
        OrderBreachFlagged => "order.breach_flagged",
        /// Breach proceedings started: delivery is held.
        OrderPaused => "order.paused",
        /// Breach proceedings ended with the order going on (as it was, or varied).
        OrderResumed => "order.resumed",
    }
}

impl EventKind {
    /// The event a delivery report makes.
    pub fn of_delivery(kind: crate::order::DeliveryEventKind) -> Self {
        use crate::order::DeliveryEventKind as D;
        match kind {
            D::Started => Self::OrderStarted,
            D::Attended => Self::OrderSessionAttended,
            D::Missed => Self::OrderSessionMissed,
            D::NonCompliance => Self::OrderNonCompliance,
            D::Completed => Self::OrderCompleted,
            D::Failed => Self::OrderFailed,
        }
    }
}

/// The header a delivery's signature travels in.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// The signature of a delivery: `sha256=` and the hex HMAC-SHA256 of the exact body
/// bytes under the webhook's secret.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a webhook URL: absolute, `https` (or `http` where the operator allows it), with
/// a host, no credentials and no fragment, and (unless the operator allows internal
/// addresses) a host that is a public address or name, never this machine, a private
/// network or a cloud metadata service (see [`crate::network`]).
pub fn check_webhook_url(
    text: &str,
    allow_http: bool,
    allow_private: bool,
) -> Result<url::Url, String> {
    if text.len() > 2048 {
        return Err("must be at most 2048 characters".into());
    }
    let url = url::Url::parse(text).map_err(|e| format!("is not an absolute URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err("must use https (this hub does not send events over plain http)".into())
        }
        other => return Err(format!("must be an https URL, not `{other}:`")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; the signature authenticates the hub".into());
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment".into());
    }
    if !allow_private {
        if let Some(why) = url.host().and_then(|h| crate::network::refused_host(&h)) {
            return Err(format!(
                "must not point at {why}: this hub sends events only to public internet addresses"
            ));
        }
    }
    Ok(url)
}

/// How long to wait before the next try of a delivery that has failed `attempts` times:
/// `base × 2^(attempts-1)`, at most `cap`, of which the second half is jitter (`unit` is
/// uniform in [0, 1)), so receivers coming back up are not hit by every sender at once.
pub fn retry_delay_ms(attempts: u32, base_ms: u64, cap_ms: u64, unit: f64) -> u64 {
    let doubling = 1u64 << attempts.saturating_sub(1).min(40);
    let delay = base_ms.saturating_mul(doubling).min(cap_ms);
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.0
    };
    delay / 2 + ((delay - delay / 2) as f64 * unit) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_the_cap() {
        assert_eq!(retry_delay_ms(1, 1_000, 60_000, 0.0), 500);
        assert_eq!(retry_delay_ms(1, 1_000, 60_000, 0.999_999), 999);
        assert_eq!(retry_delay_ms(2, 1_000, 60_000, 0.0), 1_000);
        assert_eq!(retry_delay_ms(4, 1_000, 60_000, 0.5), 6_000);
        // Capped, however many attempts.
        assert_eq!(retry_delay_ms(30, 1_000, 60_000, 0.0), 30_000);
        assert_eq!(retry_delay_ms(200, 1_000, 60_000, 1.0), 60_000);
    }

    #[test]
    fn signatures_match_a_known_hmac_and_change_with_body_or_secret() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(
            sign("Jefe", b"what do ya want for nothing!"),
            sign("Jefe", b"what do ya want for nothing?")
        );
        assert_ne!(sign("Jeff", b"x"), sign("Jefe", b"x"));
    }

    #[test]
    fn webhook_urls_must_be_https_with_a_host_and_no_credentials() {
        assert!(check_webhook_url("https://hooks.example.org/hub", false, false).is_ok());
        assert!(check_webhook_url("http://127.0.0.1:9000/hub", true, true).is_ok());
        for bad in [
            "http://hooks.example.org/hub",
            "ftp://hooks.example.org/",
            "hooks.example.org/hub",
            "https://user:pw@hooks.example.org/",
            "https://hooks.example.org/#top",
            "",
        ] {
            assert!(check_webhook_url(bad, false, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn webhook_urls_must_reach_public_addresses_unless_the_operator_allows_internal_ones() {
        for url in [
            "https://127.0.0.1:9/",
            "https://169.254.169.254/latest/meta-data/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://[::ffff:127.0.0.1]/",
            "https://localhost./hook",
            "https://metadata.google.internal/",
        ] {
            let refused = check_webhook_url(url, false, false).expect_err(url);
            assert!(refused.starts_with("must not point at"), "{url}: {refused}");
            assert!(
                check_webhook_url(url, false, true).is_ok(),
                "{url} when allowed"
            );
        }
        // Credentials stay refused even when they hide the host in front of an `@`.
        assert!(check_webhook_url("https://hooks.example.org@127.0.0.1/", false, true).is_err());
        let refused =
            check_webhook_url("https://169.254.169.254/", false, false).expect_err("metadata");
        assert!(refused.contains("cloud metadata"), "{refused}");
    }

    #[test]
    fn every_delivery_report_has_an_event() {
        for kind in crate::order::DeliveryEventKind::ALL {
            assert!(EventKind::of_delivery(*kind).as_str().starts_with("order."));
        }
    }
}
