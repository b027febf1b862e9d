//! Enforcement (SPEC.md §2): a provider's report of a missed appointment or of
//! non-compliance is a decision point for the offender manager of the case's area, who
//! judges it an acceptable absence or a warning. By the breach rule (set by the operator;
//! by default a second warning within 12 months) the order is flagged for breach. The
//! offender manager starts breach proceedings (the order is paused) and records their
//! outcome: continue or varied (the order resumes), or revoked (the order is ended for
//! `breach`). Milestones already paid stay paid whatever the outcome.

use chrono::{DateTime, Utc};
use provider_hub_domain::enforcement::{BreachOutcome, BreachRule, BreachStatus, FailureDecision};
use provider_hub_domain::event::EventKind;
use provider_hub_domain::order::{DeliveryEventKind, EndReason, OrderEvent, OrderStatus};
use provider_hub_domain::{Role, Scope};
use provider_hub_store::cursor::Page;
use provider_hub_store::enforcement::{self as store, BreachRow, FailureRow};
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::payments::DeliveryEventRow;
use provider_hub_store::{DbConn, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::change::{self, OrderChange};
use crate::ending::{detail_of, end_in};
use crate::event_data::{BreachFlagged, BreachProceedings, FailureDecided};
use crate::read_model::enforcement::failure_view;
pub use crate::read_model::enforcement::{BreachView, FailureView};
use crate::read_model::orders::{self as read, OrderView};
use crate::{naive, retrying_transaction, Actor, Error};

/// The offender manager's decision on a failure.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `acceptable` (an acceptable absence: it counts for nothing) or `warning` (an
    /// unacceptable failure: it counts toward breach).
    pub decision: FailureDecision,
    /// Why, in the offender manager's words.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The outcome of breach proceedings.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachDecision {
    /// `continue` (the order goes on as it was), `varied` (the requirement was varied: the
    /// order goes on) or `revoked` (the order is ended for `breach`).
    pub outcome: BreachOutcome,
    /// What was varied (e.g. "20 more hours of unpaid work"): required for `varied`, and
    /// only for it.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub variation: Option<String>,
}

/// Records a missed appointment or non-compliance as a decision point, in the delivery
/// report's transaction. Other reports make none.
pub(crate) fn record_failure(
    tx: &mut Tx<'_>,
    order: &OrderRow,
    event: &DeliveryEventRow,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if !matches!(
        event.kind,
        DeliveryEventKind::Missed | DeliveryEventKind::NonCompliance
    ) {
        return Ok(());
    }
    store::insert_failure(
        tx,
        &FailureRow {
            id: provider_hub_store::new_id("flr"),
            order_id: order.id.clone(),
            delivery_event_id: event.id.clone(),
            area_code: order.area_code.clone(),
            kind: event.kind,
            occurred_on: event.occurred_on,
            details: event.details.clone(),
            decision: None,
            decision_note: None,
            decided_by: None,
            decided_at: None,
            created_at: naive(now),
        },
    )?;
    Ok(())
}

/// The failures waiting for a decision: an offender manager's area's; every area's for
/// the quality team. Only of orders still in delivery or paused.
pub fn awaiting_decision(
    conn: &mut DbConn,
    caller: &Caller,
    after: Option<String>,
    limit: usize,
) -> Result<Page<FailureView>, Error> {
    let area = match (caller.role, &caller.scope) {
        (Role::OffenderManager, Scope::Area(area)) => Some(area.as_str().to_owned()),
        (Role::Quality, _) => None,
        (role, _) => {
            return Err(Error::Forbidden(format!(
                "the {role} role does not see enforcement decisions"
            )))
        }
    };
    Ok(store::awaiting_decision(conn, area.as_deref(), after, limit)?.map(failure_view))
}

/// The order an offender manager of its area acts on, read in the transaction.
fn order_for_manager(tx: &mut Tx<'_>, caller: &Caller, id: &str) -> Result<OrderRow, Error> {
    order_store::find(tx, id)?
        .filter(|o| read::may_read(caller.role, &caller.scope, o))
        .ok_or_else(|| Error::NotFound(format!("order {id}")))
}

fn require_manager(caller: &Caller, what: &str) -> Result<(), Error> {
    if caller.role != Role::OffenderManager {
        return Err(Error::Forbidden(format!(
            "only an offender manager of the case's area {what}"
        )));
    }
    Ok(())
}

/// An offender manager of the case's area decides on a failure of an order: an
/// acceptable absence or a warning. A warning that meets `rule` flags the order (if in
/// delivery and not already flagged) for breach.
pub fn decide(
    conn: &mut DbConn,
    caller: &Caller,
    rule: BreachRule,
    order_id: &str,
    failure_id: &str,
    decision: Decision,
) -> Result<OrderView, Error> {
    let note = detail_of(decision.note.as_deref(), "note")?;
    require_manager(caller, "decides on enforcement")?;
    let (actor, now) = (&caller.actor, caller.now);
    retrying_transaction(conn, |tx| {
        let order = order_for_manager(tx, caller, order_id)?;
        let failure = store::find_failure(tx, failure_id)?
            .filter(|f| f.order_id == order.id)
            .ok_or_else(|| Error::NotFound(format!("failure {failure_id} of order {order_id}")))?;
        if let Some(made) = failure.decision {
            return Err(Error::conflict(
                format!("the failure is decided already: {made}"),
                Some(made.as_str()),
            ));
        }
        if !store::decide_failure(
            tx,
            failure_id,
            decision.decision,
            note.as_deref(),
            &actor.sub,
            naive(now),
        )? {
            let current = store::find_failure(tx, failure_id)?.and_then(|f| f.decision);
            return Err(Error::conflict(
                "the failure was decided meanwhile; read the order again",
                current.map(FailureDecision::as_str),
            ));
        }
        change::record_about(
            tx,
            &order,
            ("order_failure", failure_id),
            OrderChange {
                actor,
                action: format!("order.failure.{}", decision.decision),
                before: Some(serde_json::json!({ "decision": null })),
                after: serde_json::json!({ "decision": decision.decision, "note": note }),
                kind: EventKind::OrderFailureDecided,
                offer_id: None,
                // Between the offender manager and the person: the provider is not told.
                provider_id: None,
                data: FailureDecided {
                    status: order.status,
                    failure_id: failure_id.to_owned(),
                    decision: decision.decision,
                    occurred_on: failure.occurred_on,
                    note: note.clone(),
                }
                .into(),
                now,
            },
        )?;
        if decision.decision == FailureDecision::Warning {
            flag_if_due(tx, actor, &order, rule, now)?;
        }
        read::get_as(tx, caller.role, &caller.scope, order_id)
    })
}

/// Flags the order for breach when the person's warnings (on any of their orders) meet the
/// rule: only an order in delivery, and only while none of the person's orders has a
/// breach open; warnings on or before their last decided breach do not count.
fn flag_if_due(
    tx: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    rule: BreachRule,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if order.status != OrderStatus::InDelivery {
        return Ok(());
    }
    // Decisions about one person take turns, so two warnings decided at once on two of
    // their orders both count.
    provider_hub_store::cases::hold(tx, &order.crn)?;
    if store::person_in_breach(tx, &order.crn)? {
        return Ok(());
    }
    let warnings = store::warning_days(tx, &order.crn)?;
    let last = store::last_decided(tx, &order.crn)?.map(|at| at.date());
    if !rule.breach_due(&warnings, last, now.date_naive()) {
        return Ok(());
    }
    let counted = warnings
        .iter()
        .filter(|d| last.is_none_or(|b| **d > b))
        .count();
    let breach = BreachRow {
        id: provider_hub_store::new_id("brc"),
        order_id: order.id.clone(),
        area_code: order.area_code.clone(),
        status: BreachStatus::Flagged,
        flagged_at: naive(now),
        proceedings_started_by: None,
        proceedings_started_at: None,
        outcome: None,
        variation: None,
        decided_by: None,
        decided_at: None,
    };
    store::insert_breach(tx, &breach)?;
    change::record_about(
        tx,
        order,
        ("breach", &breach.id),
        OrderChange {
            actor,
            action: "order.breach_flagged".into(),
            before: None,
            after: serde_json::json!({
                "status": BreachStatus::Flagged, "warnings": counted,
                "rule": { "failures": rule.failures, "months": rule.months }
            }),
            kind: EventKind::OrderBreachFlagged,
            offer_id: None,
            provider_id: None,
            data: BreachFlagged {
                status: order.status,
                breach_id: breach.id.clone(),
                warnings: u32::try_from(counted).unwrap_or(u32::MAX),
                within_months: rule.months,
            }
            .into(),
            now,
        },
    )
}

/// The order's open breach, which must be in `expected`; otherwise a 409 naming the
/// breach's status (or the order's, when none is open).
fn open_breach_in(
    tx: &mut Tx<'_>,
    order: &OrderRow,
    outcome: Option<BreachOutcome>,
) -> Result<BreachRow, Error> {
    let Some(breach) = store::open_breach(tx, &order.id)? else {
        return Err(Error::conflict(
            format!(
                "the order is not flagged for breach (it is {})",
                order.status
            ),
            Some(order.status.as_str()),
        ));
    };
    if let Err(current) = breach.status.next(outcome) {
        let step = match outcome {
            None => "start proceedings on".to_owned(),
            Some(o) => format!("record the outcome {o} of"),
        };
        return Err(Error::conflict(
            format!("cannot {step} a breach that is {current}"),
            Some(current.as_str()),
        ));
    }
    Ok(breach)
}

/// An offender manager of the case's area starts breach proceedings on an order flagged
/// for breach: the order is paused (in delivery → paused) and its provider told.
pub fn start_proceedings(
    conn: &mut DbConn,
    caller: &Caller,
    order_id: &str,
) -> Result<OrderView, Error> {
    require_manager(caller, "starts breach proceedings")?;
    let (actor, now) = (&caller.actor, caller.now);
    retrying_transaction(conn, |tx| {
        let order = order_for_manager(tx, caller, order_id)?;
        let breach = open_breach_in(tx, &order, None)?;
        change::transition(
            tx,
            &order,
            OrderEvent::Pause,
            |tx, from, to| {
                if !store::start_proceedings(tx, &breach.id, &actor.sub, naive(now))? {
                    return Err(Error::conflict(
                        "the breach changed meanwhile; read the order again",
                        None,
                    ));
                }
                Ok(order_store::set_status(tx, order_id, from, to, naive(now))?)
            },
            |from, to| OrderChange {
                actor,
                action: "order.paused".into(),
                before: Some(serde_json::json!({ "status": from })),
                after: serde_json::json!({ "status": to, "breach_id": breach.id }),
                kind: EventKind::OrderPaused,
                offer_id: None,
                provider_id: order.provider_id.as_deref(),
                data: BreachProceedings {
                    status: to,
                    previous_status: from,
                    breach_id: breach.id.clone(),
                    outcome: None,
                    variation: None,
                }
                .into(),
                now,
            },
        )?;
        read::get_as(tx, caller.role, &caller.scope, order_id)
    })
}

/// An offender manager of the case's area records the outcome of breach proceedings:
/// `continue` or `varied` resume the order (paused → in delivery); `revoked` ends it for
/// `breach`. The provider is told either way.
pub fn record_breach_outcome(
    conn: &mut DbConn,
    caller: &Caller,
    order_id: &str,
    decision: BreachDecision,
) -> Result<OrderView, Error> {
    let variation = detail_of(decision.variation.as_deref(), "variation")?;
    match (decision.outcome, &variation) {
        (BreachOutcome::Varied, None) => {
            return Err(Error::invalid(
                "variation",
                "say what was varied (e.g. 20 more hours of unpaid work)",
            ))
        }
        (BreachOutcome::Continue | BreachOutcome::Revoked, Some(_)) => {
            return Err(Error::invalid(
                "variation",
                format!(
                    "only a varied requirement says what was varied, not {}",
                    decision.outcome
                ),
            ))
        }
        _ => {}
    }
    require_manager(caller, "records the outcome of breach proceedings")?;
    let (actor, now) = (&caller.actor, caller.now);
    retrying_transaction(conn, |tx| {
        let order = order_for_manager(tx, caller, order_id)?;
        let breach = open_breach_in(tx, &order, Some(decision.outcome))?;
        if order.status != OrderStatus::Paused {
            return Err(Error::conflict(
                format!("the order is {}, not paused in proceedings", order.status),
                Some(order.status.as_str()),
            ));
        }
        if !store::decide_breach(
            tx,
            &breach.id,
            decision.outcome,
            variation.as_deref(),
            &actor.sub,
            naive(now),
        )? {
            return Err(Error::conflict(
                "the breach changed meanwhile; read the order again",
                None,
            ));
        }
        tx.audit(provider_hub_store::audit::AuditEntry {
            actor,
            action: "breach.decided",
            entity_type: "breach",
            entity_id: &breach.id,
            before: Some(serde_json::json!({ "status": breach.status })),
            after: Some(serde_json::json!({
                "status": BreachStatus::Decided, "outcome": decision.outcome,
                "variation": variation, "order_id": order_id
            })),
            at: naive(now),
        });
        if decision.outcome.ends_order() {
            end_in(
                tx,
                actor,
                &order,
                EndReason::Breach,
                Some("revoked in breach proceedings"),
                now,
            )?;
        } else {
            resume(
                tx,
                actor,
                &order,
                &breach.id,
                decision.outcome,
                variation.as_deref(),
                now,
            )?;
        }
        read::get_as(tx, caller.role, &caller.scope, order_id)
    })
}

/// Resumes a paused order after proceedings decided it goes on.
fn resume(
    tx: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    breach_id: &str,
    outcome: BreachOutcome,
    variation: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    change::transition(
        tx,
        order,
        OrderEvent::Resume,
        |tx, from, to| {
            Ok(order_store::set_status(
                tx,
                &order.id,
                from,
                to,
                naive(now),
            )?)
        },
        |from, to| OrderChange {
            actor,
            action: "order.resumed".into(),
            before: Some(serde_json::json!({ "status": from })),
            after: serde_json::json!({
                "status": to, "breach_id": breach_id, "outcome": outcome, "variation": variation
            }),
            kind: EventKind::OrderResumed,
            offer_id: None,
            provider_id: order.provider_id.as_deref(),
            data: BreachProceedings {
                status: to,
                previous_status: from,
                breach_id: breach_id.to_owned(),
                outcome: Some(outcome),
                variation: variation.map(str::to_owned),
            }
            .into(),
            now,
        },
    )?;
    Ok(())
}
