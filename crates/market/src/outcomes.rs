//! Outcomes per person (issue 17): a commissioner (or an analyst feeding the data)
//! records the proven reoffences of a person over a measurement period; the graduated
//! outcome payment it earns is split across the providers whose completed orders started
//! in the period, pro rata to their prices, and each person-period is paid at most once.
//! The rules are `provider_hub_domain::outcome`'s; this is the workflow, for one record
//! (the API) and for a chunk of an upload (see [`crate::reoffending`]) alike.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use provider_hub_domain::event::EventKind;
use provider_hub_domain::order::{OrderStatus, OutcomeKind};
use provider_hub_domain::outcome::{self as rules, StartedOrder};
use provider_hub_domain::payment::{financial_year, split};
use provider_hub_domain::specification::{Milestone, PaymentModel};
use provider_hub_domain::Role;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::orders::OrderRow;
use provider_hub_store::outcomes::{self as store, OutcomeFilter, PersonOutcomeRow};
use provider_hub_store::payments::PaymentRow;
use provider_hub_store::{to_utc, write_transaction, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller};
use crate::event_data::OutcomeRecordedData;
use crate::events;
use crate::read_model::delivery::payment_view;
pub use crate::read_model::delivery::PaymentView;
use crate::{naive, Actor, Error};

/// Who records reoffending and reads person-period outcomes.
pub const RECORDERS: &[Role] = &[Role::Commissioner, Role::Analyst];

/// One person's proven reoffending over a measurement period.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReoffendingRecord {
    /// The person's case reference number.
    #[schema(example = "X123456")]
    pub crn: String,
    /// The first day of the measurement period; when absent, the person's first period
    /// that is over and not yet recorded (or, when every one over is recorded, the last
    /// one over: the same record sent again answers the first result).
    #[serde(default)]
    pub period_start: Option<NaiveDate>,
    /// Proven reoffences in the period (0 or more).
    #[schema(minimum = 0, example = 0)]
    pub proven_reoffences: i64,
}

/// An attributed order's share of a person-period's outcome payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attributed {
    pub order_id: String,
    pub provider_id: String,
    pub price_pence: i64,
    pub amount_pence: i64,
}

/// A person-period outcome: the graduated payment and how it was attributed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonOutcome {
    pub id: String,
    pub crn: String,
    pub area: String,
    pub period_start: NaiveDate,
    /// The first day after the period.
    pub period_end: NaiveDate,
    pub proven_reoffences: u32,
    /// The reoffending probability (%) of the assessment the plan was made from.
    pub reoffending_probability: u8,
    /// Proven reoffences predicted: probability × 3.5 reoffences per reoffender.
    #[schema(example = "2.100")]
    pub predicted_reoffences: String,
    pub binary_percent: u8,
    pub frequency_percent: u8,
    /// The outcome milestone amounts of the attributed orders, summed.
    pub pot_pence: i64,
    pub binary_pence: i64,
    pub frequency_pence: i64,
    /// What was earned: the binary and frequency parts.
    pub amount_pence: i64,
    /// The completed orders started in the period, each with its share.
    pub attribution: Vec<Attributed>,
    /// `api` or `upload`.
    pub source: String,
    pub upload_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A recorded person-period outcome and the payments it made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeRecorded {
    pub outcome: PersonOutcome,
    pub payments: Vec<PaymentView>,
}

pub(crate) fn outcome_view(row: PersonOutcomeRow) -> Result<PersonOutcome, Error> {
    let attribution: Vec<Attributed> = serde_json::from_str(&row.attribution)
        .map_err(|e| Error::corrupt("person_outcomes.attribution", e))?;
    let small = |v: i32, what: &str| u8::try_from(v).map_err(|e| Error::corrupt(what, e));
    Ok(PersonOutcome {
        proven_reoffences: u32::try_from(row.proven_reoffences)
            .map_err(|e| Error::corrupt("person_outcomes.proven_reoffences", e))?,
        reoffending_probability: small(
            row.reoffending_probability,
            "person_outcomes.reoffending_probability",
        )?,
        predicted_reoffences: format!(
            "{}.{:03}",
            row.predicted_milli / 1000,
            row.predicted_milli % 1000
        ),
        binary_percent: small(row.binary_percent, "person_outcomes.binary_percent")?,
        frequency_percent: small(row.frequency_percent, "person_outcomes.frequency_percent")?,
        id: row.id,
        crn: row.crn,
        area: row.area_code,
        period_start: row.period_start,
        period_end: row.period_end,
        pot_pence: row.pot_pence,
        binary_pence: row.binary_pence,
        frequency_pence: row.frequency_pence,
        amount_pence: row.amount_pence,
        attribution,
        source: row.source,
        upload_id: row.upload_id,
        recorded_by: row.recorded_by,
        recorded_at: to_utc(row.recorded_at),
    })
}

/// What recording reads about a set of people, in a few queries whatever their number.
#[derive(Default)]
pub(crate) struct Known {
    people: HashSet<String>,
    orders: HashMap<String, Vec<OrderRow>>,
    models: HashMap<String, PaymentModel>,
    probabilities: HashMap<String, i32>,
    pub(crate) recorded: HashMap<(String, NaiveDate), PersonOutcomeRow>,
    outcome_paid: HashSet<String>,
}

impl Known {
    pub(crate) fn load(conn: &mut DbConn, crns: &[String]) -> Result<Self, Error> {
        let people = store::known_people(conn, crns)?;
        let started = store::started_orders(conn, crns)?;
        let mut listings: Vec<String> = started
            .iter()
            .filter_map(|o| o.listing_id.clone())
            .collect();
        listings.sort();
        listings.dedup();
        let mut plans: Vec<String> = started.iter().map(|o| o.plan_id.clone()).collect();
        plans.sort();
        plans.dedup();
        let ids: Vec<String> = started.iter().map(|o| o.id.clone()).collect();
        let models = store::payment_models(conn, &listings)?
            .into_iter()
            .map(|(listing, json)| {
                serde_json::from_str(&json)
                    .map(|m| (listing, m))
                    .map_err(|e| Error::corrupt("specifications.payment_model", e))
            })
            .collect::<Result<_, _>>()?;
        let mut orders: HashMap<String, Vec<OrderRow>> = HashMap::new();
        for o in started {
            orders.entry(o.crn.clone()).or_default().push(o);
        }
        Ok(Known {
            people,
            orders,
            models,
            probabilities: store::probabilities(conn, &plans)?,
            recorded: store::of_people(conn, crns)?,
            outcome_paid: store::outcome_paid(conn, &ids)?,
        })
    }

    fn model_of(&self, order: &OrderRow) -> Result<&PaymentModel, Error> {
        order
            .listing_id
            .as_ref()
            .and_then(|l| self.models.get(l))
            .ok_or_else(|| Error::corrupt("orders", "a started order without its placement"))
    }
}

/// A person-period outcome ready to write: the row, its payments, the orders it settles.
pub(crate) struct Planned {
    pub row: PersonOutcomeRow,
    pub payments: Vec<PaymentRow>,
    pub settles: Vec<OrderRow>,
    pub outcome: OutcomeKind,
}

/// What a record comes to: a new outcome, or the one recorded already with the same count.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Decided {
    New(Box<Planned>),
    Recorded(PersonOutcomeRow),
}

/// Where a record comes from.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub actor: &'a Actor,
    pub upload_id: Option<&'a str>,
    pub now: DateTime<Utc>,
}

fn is_recorded(known: &Known, crn: &str, period: &rules::Period) -> bool {
    known.recorded.contains_key(&(crn.to_owned(), period.start))
}

/// Decides one record against what is known: refusals in words (422), an unknown person
/// (404), a person-period recorded already with another count (409).
pub(crate) fn decide(
    known: &Known,
    crn: &str,
    period_start: Option<NaiveDate>,
    proven_reoffences: i64,
    source: Source<'_>,
) -> Result<Decided, Error> {
    let today = source.now.date_naive();
    let count = u32::try_from(proven_reoffences)
        .ok()
        .filter(|c| *c <= 1_000)
        .ok_or_else(|| Error::invalid("proven_reoffences", "must be a whole number, 0-1000"))?;
    if !known.people.contains(crn) {
        return Err(Error::NotFound(format!("person {crn}")));
    }
    let orders = known.orders.get(crn).map(Vec::as_slice).unwrap_or(&[]);
    let mut started = Vec::with_capacity(orders.len());
    for o in orders {
        if let Some(actual_start) = o.actual_start {
            started.push(StartedOrder {
                id: o.id.clone(),
                actual_start,
                period_months: known.model_of(o)?.outcome_period_months,
            });
        }
    }
    let periods = rules::periods(&started);
    if periods.is_empty() {
        return Err(Error::invalid(
            "crn",
            format!("{crn} has no started intervention: there is no measurement period"),
        ));
    }
    let period = match period_start {
        Some(start) => periods.iter().find(|p| p.start == start).ok_or_else(|| {
            let starts: Vec<String> = periods.iter().map(|p| p.start.to_string()).collect();
            Error::invalid(
                "period_start",
                format!(
                    "is not the start of a measurement period of {crn}; its periods start on {}",
                    starts.join(", ")
                ),
            )
        })?,
        // The first period over and not yet recorded; else the last one over (so a
        // record sent again answers as the first time); else the first not yet over.
        None => periods
            .iter()
            .find(|p| !is_recorded(known, crn, p) && p.over(today))
            .or_else(|| periods.iter().rev().find(|p| p.over(today)))
            .or_else(|| periods.iter().find(|p| !is_recorded(known, crn, p)))
            .ok_or_else(|| {
                Error::conflict(
                    format!("every measurement period of {crn} is recorded already"),
                    None,
                )
            })?,
    };
    if let Some(row) = known.recorded.get(&(crn.to_owned(), period.start)) {
        if i64::from(row.proven_reoffences) == proven_reoffences {
            return Ok(Decided::Recorded(row.clone()));
        }
        return Err(Error::conflict(
            format!(
                "the period of {crn} from {} is recorded already, with {} proven reoffences",
                period.start, row.proven_reoffences
            ),
            None,
        ));
    }
    if !period.over(today) {
        return Err(Error::invalid(
            "period_start",
            format!(
                "the measurement period from {} runs until {}: its outcome is recorded once it is over",
                period.start,
                period.end.pred_opt().unwrap_or(period.end)
            ),
        ));
    }
    let in_period: Vec<&OrderRow> = period
        .order_ids
        .iter()
        .filter_map(|id| orders.iter().find(|o| &o.id == id))
        .collect();
    let Some(opener) = in_period.first() else {
        return Err(Error::corrupt("orders", "a period without its orders"));
    };
    let model = known.model_of(opener)?;
    let probability = known
        .probabilities
        .get(&opener.plan_id)
        .copied()
        .ok_or_else(|| Error::corrupt("orders.plan_id", "no plan or assessment"))?;
    let probability = u8::try_from(probability.clamp(0, 100)).unwrap_or(100);
    // Completed orders earn the outcome; failed, terminated or cancelled ones do not, and
    // an order whose outcome milestone was paid before outcomes were per person is settled.
    let attributed: Vec<&OrderRow> = in_period
        .iter()
        .copied()
        .filter(|o| o.status == OrderStatus::Completed && !known.outcome_paid.contains(&o.id))
        .collect();
    let mut pot = 0i64;
    let mut weights = Vec::with_capacity(attributed.len());
    for o in &attributed {
        let price = o.price_pence.unwrap_or(0);
        pot += split(price, &known.model_of(o)?.milestones)
            .into_iter()
            .find(|(m, _)| *m == Milestone::Outcome)
            .map(|(_, a)| a)
            .unwrap_or(0);
        weights.push((o.id.clone(), price));
    }
    let predicted = rules::predicted_milli(probability);
    let earned = rules::graduated(pot, model.outcome, count, predicted);
    let shares = rules::attribute(earned.total(), &weights);
    // Stored to the microsecond on both backends: the first answer says what is stored.
    let at = naive(source.now);
    let at = at
        .with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at);
    let mut attribution = Vec::with_capacity(shares.len());
    let mut payments = Vec::new();
    for (o, (_, amount)) in attributed.iter().zip(shares) {
        let provider = o.provider_id.clone().unwrap_or_default();
        attribution.push(Attributed {
            order_id: o.id.clone(),
            provider_id: provider.clone(),
            price_pence: o.price_pence.unwrap_or(0),
            amount_pence: amount,
        });
        // A share of nothing is no payment: the person-period records it.
        if amount > 0 {
            payments.push(PaymentRow {
                id: provider_hub_store::new_id("pay"),
                order_id: o.id.clone(),
                milestone: Milestone::Outcome,
                amount_pence: amount,
                area_code: o.area_code.clone(),
                provider_id: provider,
                financial_year: financial_year(today),
                created_at: at,
            });
        }
    }
    let row = PersonOutcomeRow {
        id: provider_hub_store::new_id("pout"),
        crn: crn.to_owned(),
        area_code: opener.area_code.clone(),
        period_start: period.start,
        period_end: period.end,
        proven_reoffences: i32::try_from(count).unwrap_or(i32::MAX),
        reoffending_probability: i32::from(probability),
        predicted_milli: predicted,
        binary_percent: i32::from(model.outcome.binary_percent),
        frequency_percent: i32::from(model.outcome.frequency_percent),
        pot_pence: pot,
        binary_pence: earned.binary_pence,
        frequency_pence: earned.frequency_pence,
        amount_pence: earned.total(),
        attribution: serde_json::to_string(&attribution)
            .map_err(|e| Error::corrupt("attribution", e))?,
        source: if source.upload_id.is_some() {
            "upload"
        } else {
            "api"
        }
        .into(),
        upload_id: source.upload_id.map(str::to_owned),
        recorded_by: source.actor.sub.clone(),
        recorded_at: at,
    };
    Ok(Decided::New(Box::new(Planned {
        row,
        payments,
        settles: attributed.into_iter().cloned().collect(),
        outcome: if count == 0 {
            OutcomeKind::NoProvenReoffence12m
        } else {
            OutcomeKind::ProvenReoffence12m
        },
    })))
}

/// Writes planned outcomes in the caller's transaction: the person-periods (a second
/// recording of one is a unique violation, so nothing is written twice), their payments
/// (at most one per order and milestone), the orders' outcome, per person-period one
/// audit row naming the orders it settles, and per order its `order.outcome_recorded`
/// event.
pub(crate) fn write(tx: &mut Tx<'_>, planned: &[Planned], source: Source<'_>) -> Result<(), Error> {
    let rows: Vec<PersonOutcomeRow> = planned.iter().map(|p| p.row.clone()).collect();
    store::insert(tx, &rows)?;
    let payments: Vec<PaymentRow> = planned.iter().flat_map(|p| p.payments.clone()).collect();
    store::insert_payments(tx, &payments)?;
    let at = naive(source.now);
    for kind in OutcomeKind::ALL {
        let ids: Vec<String> = planned
            .iter()
            .filter(|p| p.outcome == *kind)
            .flat_map(|p| p.settles.iter().map(|o| o.id.clone()))
            .collect();
        store::set_order_outcomes(tx, &ids, kind.as_str(), at)?;
    }
    for p in planned {
        // One audit row per person-period, naming the orders it settles; each order's
        // event reports it to that order's provider and offender manager.
        let events = p
            .settles
            .iter()
            .map(|order| {
                events::new_event(
                    EventKind::OrderOutcomeRecorded,
                    order,
                    None,
                    order.provider_id.as_deref(),
                    OutcomeRecordedData {
                        status: order.status,
                        outcome: p.outcome,
                    }
                    .into(),
                    source.now,
                )
            })
            .collect::<Result<Vec<_>, Error>>()?;
        tx.record_reported(
            AuditEntry {
                actor: source.actor,
                action: "person_outcome.recorded",
                entity_type: "person_outcome",
                entity_id: &p.row.id,
                before: None,
                after: serde_json::to_value(&p.row).ok().map(|mut after| {
                    after["payments"] = serde_json::to_value(&p.payments).unwrap_or_default();
                    after["orders"] = p.settles.iter().map(|o| o.id.as_str()).collect();
                    after
                }),
                at,
            },
            events,
        );
    }
    Ok(())
}

/// The answer for a recorded person-period: its outcome and the payments it made.
fn recorded_view(conn: &mut DbConn, row: PersonOutcomeRow) -> Result<OutcomeRecorded, Error> {
    let outcome = outcome_view(row)?;
    let mut payments = Vec::new();
    for a in &outcome.attribution {
        for p in provider_hub_store::payments::of_order(conn, &a.order_id)? {
            if p.milestone == Milestone::Outcome {
                payments.push(payment_view(conn, p)?);
            }
        }
    }
    Ok(OutcomeRecorded { outcome, payments })
}

/// Records one person's proven reoffending over a period, once: the same record again
/// answers the first result; another count for a recorded period is a conflict.
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    record: ReoffendingRecord,
) -> Result<OutcomeRecorded, Error> {
    caller.require(RECORDERS)?;
    let crn = record.crn.trim().to_owned();
    if crn.is_empty() {
        return Err(Error::invalid("crn", "say whose reoffending this is"));
    }
    let source = Source {
        actor: &caller.actor,
        upload_id: None,
        now: caller.now,
    };
    // A concurrent recording of the same person-period makes ours a unique violation:
    // then the second attempt finds it recorded.
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = write_transaction(conn, |tx| {
            let known = Known::load(tx, std::slice::from_ref(&crn))?;
            match decide(
                &known,
                &crn,
                record.period_start,
                record.proven_reoffences,
                source,
            )? {
                Decided::Recorded(row) => recorded_view(tx, row),
                Decided::New(planned) => {
                    write(tx, std::slice::from_ref(&planned), source)?;
                    recorded_view(tx, planned.row.clone())
                }
            }
        });
        match result {
            Err(e) if attempt < 3 && concurrent_insert(&e) => continue,
            other => return other,
        }
    }
}

/// A conflict from the database (a unique violation: a concurrent insert) rather than
/// from the rules.
pub(crate) fn concurrent_insert(e: &Error) -> bool {
    matches!(e, Error::Conflict { detail, current_state: None } if detail.starts_with("it already exists"))
}

/// One person-period outcome and the payments it made.
pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<OutcomeRecorded, Error> {
    access::require(caller.role, RECORDERS)?;
    let row = store::by_id(conn, id)?.ok_or_else(|| Error::NotFound(format!("outcome {id}")))?;
    recorded_view(conn, row)
}

/// Person-period outcomes, newest last, filtered by person and area.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: OutcomeFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<PersonOutcome>, Error> {
    access::require(caller.role, RECORDERS)?;
    store::list(conn, &filter, after, limit)?.try_map(outcome_view)
}
