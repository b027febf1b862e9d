//! Delivery and payment by results: a provider reports delivery on its own accepted
//! orders; reaching a milestone of the specification's payment model creates its payment,
//! at most once per order and milestone (the outcome milestone is earned per person:
//! see [`crate::outcomes`]). An attended
//! session carries its contact time, and completion waits until the sessions and hours
//! attended meet the specification's delivery standard.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::delivery::{hours_in_words, owed, Attendance, MAX_SESSION_MINUTES};
use provider_hub_domain::order::{DeliveryEventKind, OrderStatus};
use provider_hub_domain::payment::{financial_year, split};
use provider_hub_domain::specification::{DeliveryStandard, Milestone, PaymentModel};
use provider_hub_domain::{Role, Scope};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::payments::{self as store, DeliveryEventRow, PaymentFilter, PaymentRow};
use provider_hub_store::{write_transaction, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::change::{self, OrderChange};
use crate::event_data::DeliveryReported;
use crate::read_model::delivery::{event_view, payment_view, payment_views};
pub use crate::read_model::delivery::{DeliveryEventView, PaymentView};
use crate::read_model::orders::{self, OrderView};
use crate::{naive, Actor, Error};
use provider_hub_domain::event::EventKind;

/// A provider's report on delivering an order.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryReport {
    /// `started` (→ in delivery), `attended` or `missed` (a session), `non_compliance`
    /// (with details, for the offender manager), `completed` or `failed`.
    #[serde(rename = "type")]
    pub kind: DeliveryEventKind,
    /// The day it happened (the actual start, the session's day…); today when absent.
    /// Never before the offer was accepted, nor (after a start) before the actual start.
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// The contact time the session gave, in whole minutes (1–1440): required for
    /// `attended`, refused on any other report. `completed` is accepted only once the
    /// attended sessions and their minutes meet the specification's minimum sessions and
    /// hours.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1440, example = 120)]
    pub minutes: Option<u32>,
    /// What happened; required for `non_compliance`.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub details: Option<String>,
}

/// What a report did: the order now, the event, and the payment it released, if any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivered {
    pub order: OrderView,
    pub event: DeliveryEventView,
    pub payment: Option<PaymentView>,
}

/// Pays a milestone an order has reached, in the caller's transaction: its share of the
/// locked price by the specification's payment model. Nothing when the model has no such
/// milestone, or it is paid already (the database would refuse a second payment anyway).
fn pay(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    milestone: Milestone,
    now: DateTime<Utc>,
) -> Result<Option<PaymentView>, Error> {
    let (Some(listing), Some(provider), Some(price)) =
        (&order.listing_id, &order.provider_id, order.price_pence)
    else {
        return Err(Error::corrupt(
            "orders",
            "a delivered order without its placement",
        ));
    };
    let model: PaymentModel = serde_json::from_str(&store::payment_model_of(conn, listing)?)
        .map_err(|e| Error::corrupt("specifications.payment_model", e))?;
    let Some((_, amount)) = split(price, &model.milestones)
        .into_iter()
        .find(|(m, _)| *m == milestone)
    else {
        return Ok(None);
    };
    if store::paid(conn, &order.id, milestone.as_str())? {
        return Ok(None);
    }
    let row = PaymentRow {
        id: provider_hub_store::new_id("pay"),
        order_id: order.id.clone(),
        milestone,
        amount_pence: amount,
        area_code: order.area_code.clone(),
        provider_id: provider.clone(),
        financial_year: financial_year(now.date_naive()),
        created_at: naive(now),
    };
    store::insert_payment(conn, &row)?;
    conn.audit(AuditEntry {
        actor,
        action: "payment.created",
        entity_type: "payment",
        entity_id: &row.id,
        before: None,
        after: serde_json::to_value(&row).ok(),
        at: naive(now),
    });
    payment_view(conn, row).map(Some)
}

/// The minutes a report carries, as stored: required on an attended session, refused on
/// anything else.
fn session_minutes(kind: DeliveryEventKind, minutes: Option<u32>) -> Result<Option<i32>, Error> {
    match (kind, minutes) {
        (DeliveryEventKind::Attended, None) => Err(Error::invalid(
            "minutes",
            "say how many minutes of contact time the attended session gave (1-1440)",
        )),
        (DeliveryEventKind::Attended, Some(m)) if m == 0 || m > MAX_SESSION_MINUTES => Err(
            Error::invalid("minutes", format!("must be 1-{MAX_SESSION_MINUTES}")),
        ),
        (DeliveryEventKind::Attended, Some(m)) => i32::try_from(m)
            .map(Some)
            .map_err(|_| Error::invalid("minutes", "must be 1-1440")),
        (_, None) => Ok(None),
        (kind, Some(_)) => Err(Error::invalid(
            "minutes",
            format!("only an attended session carries minutes, not a {kind} report"),
        )),
    }
}

/// A report is never dated before the offer was accepted, nor, once the order started,
/// before its actual start.
fn check_date(
    conn: &mut DbConn,
    order: &OrderRow,
    kind: DeliveryEventKind,
    on: NaiveDate,
) -> Result<(), Error> {
    if kind == DeliveryEventKind::Started {
        if let Some(accepted) = store::accepted_at(conn, &order.id)? {
            let accepted = accepted.date();
            if on < accepted {
                return Err(Error::invalid(
                    "on",
                    format!(
                        "the offer was accepted on {accepted}: delivery cannot have started before"
                    ),
                ));
            }
        }
    } else if let Some(start) = order.actual_start {
        if on < start {
            return Err(Error::invalid(
                "on",
                format!("delivery started on {start}: a {kind} report cannot be dated before"),
            ));
        }
    }
    Ok(())
}

/// Completion is earned only when the attended sessions and their contact time meet the
/// specification's delivery standard; otherwise a conflict naming what is still owed.
fn check_standard_met(conn: &mut DbConn, order: &OrderRow) -> Result<(), Error> {
    let Some(listing) = &order.listing_id else {
        return Err(Error::corrupt(
            "orders",
            "a delivered order without its placement",
        ));
    };
    let standard: DeliveryStandard =
        serde_json::from_str(&store::delivery_standard_of(conn, listing)?)
            .map_err(|e| Error::corrupt("specifications.delivery_standard", e))?;
    let delivered = store::attended_minutes(conn, &order.id)?
        .into_iter()
        .fold(Attendance::default(), |d, m| {
            d.attended(m.and_then(|m| u32::try_from(m).ok()).unwrap_or(0))
        });
    match owed(&standard, delivered) {
        None => Ok(()),
        Some(still) => Err(Error::conflict(
            format!(
                "the delivery standard is not met: the specification asks for at least {} sessions and {} hours; {} attended {} giving {} were reported; still owed: {still}",
                standard.min_sessions,
                standard.min_hours,
                delivered.sessions,
                if delivered.sessions == 1 { "session" } else { "sessions" },
                hours_in_words(delivered.minutes),
            ),
            Some(OrderStatus::InDelivery.as_str()),
        )),
    }
}

/// A provider reports delivery on one of its orders.
pub fn report(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    order_id: &str,
    report: DeliveryReport,
    now: DateTime<Utc>,
) -> Result<Delivered, Error> {
    let today = now.date_naive();
    let on = report.on.unwrap_or(today);
    if on > today {
        return Err(Error::invalid("on", "must not be in the future"));
    }
    let details = report
        .details
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    if details.as_ref().is_some_and(|d| d.chars().count() > 2000) {
        return Err(Error::invalid("details", "must be at most 2000 characters"));
    }
    if report.kind == DeliveryEventKind::NonCompliance && details.is_none() {
        return Err(Error::invalid(
            "details",
            "say what the non-compliance was: the offender manager decides on enforcement",
        ));
    }
    let minutes = session_minutes(report.kind, report.minutes)?;
    write_transaction(conn, |conn| {
        let order = order_store::find(conn, order_id)?
            .filter(|o| o.provider_id.as_deref() == Some(provider_id))
            .ok_or_else(|| Error::NotFound(format!("order {order_id}")))?;
        let event = DeliveryEventRow {
            id: provider_hub_store::new_id("dev"),
            order_id: order_id.to_owned(),
            kind: report.kind,
            occurred_on: on,
            details: details.clone(),
            recorded_by: actor.sub.clone(),
            recorded_at: naive(now),
            minutes,
        };
        change::transition(
            conn,
            &order,
            report.kind.order_event(),
            |conn, from, to| {
                check_date(conn, &order, report.kind, on)?;
                if report.kind == DeliveryEventKind::Completed {
                    check_standard_met(conn, &order)?;
                }
                let start = (report.kind == DeliveryEventKind::Started).then_some(on);
                if !order_store::deliver(conn, order_id, from, to, start, naive(now))? {
                    return Ok(false);
                }
                store::insert_event(conn, &event)?;
                Ok(true)
            },
            |from, to| OrderChange {
                actor,
                action: format!("order.delivery.{}", report.kind.as_str()),
                before: Some(serde_json::json!({ "status": from })),
                after: serde_json::json!({
                    "status": to, "on": on, "details": details, "minutes": minutes,
                    "event_id": event.id
                }),
                kind: EventKind::of_delivery(report.kind),
                offer_id: None,
                provider_id: Some(provider_id),
                data: DeliveryReported {
                    status: to,
                    previous_status: from,
                    occurred_on: on,
                    details: details.clone(),
                    minutes,
                    delivery_event_id: event.id.clone(),
                }
                .into(),
                now,
            },
        )?;
        // A missed appointment or non-compliance waits for the offender manager's decision.
        crate::enforcement::record_failure(conn, &order, &event, now)?;
        let payment = match report.kind.milestone() {
            Some(milestone) => pay(conn, actor, &order, milestone, now)?,
            None => None,
        };
        Ok(Delivered {
            order: orders::get_as(
                conn,
                Role::Provider,
                &Scope::Provider(provider_id.to_owned()),
                order_id,
            )?,
            event: event_view(event)?,
            payment,
        })
    })
}

/// Payments the caller may see: a provider its own; commissioners and the quality team all.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    mut filter: PaymentFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<PaymentView>, Error> {
    let (role, scope) = (caller.role, &caller.scope);
    let reach = access::reach(role, scope, Objects::Payments)
        .ok_or_else(|| access::not_a_reader(role, Objects::Payments, "payments"))?;
    if let Some(provider) = reach.provider() {
        filter.provider_id = Some(provider);
    }
    let page = store::list(conn, &filter, after, limit)?;
    Ok(Page {
        items: payment_views(conn, page.items)?,
        next: page.next,
    })
}
