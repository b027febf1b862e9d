//! Enforcement: the decision points a provider's missed appointments and non-compliance
//! make for the offender manager, and the breaches of orders.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::enforcement::{BreachOutcome, BreachStatus, FailureDecision};
use provider_hub_domain::order::{DeliveryEventKind, OrderStatus};

use crate::cursor::Page;
use crate::schema::{breaches, order_failures, orders};
use crate::{DbConn, StoreError};

/// A missed appointment or non-compliance, and the offender manager's decision on it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = order_failures)]
pub struct FailureRow {
    pub id: String,
    pub order_id: String,
    pub delivery_event_id: String,
    pub area_code: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub kind: DeliveryEventKind,
    pub occurred_on: NaiveDate,
    pub details: Option<String>,
    #[diesel(serialize_as = crate::words::MaybeWord)]
    pub decision: Option<FailureDecision>,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A breach of an order: flagged, in proceedings, or decided with its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = breaches)]
pub struct BreachRow {
    pub id: String,
    pub order_id: String,
    pub area_code: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub status: BreachStatus,
    pub flagged_at: NaiveDateTime,
    pub proceedings_started_by: Option<String>,
    pub proceedings_started_at: Option<NaiveDateTime>,
    #[diesel(serialize_as = crate::words::MaybeWord)]
    pub outcome: Option<BreachOutcome>,
    pub variation: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

pub fn insert_failure(conn: &mut DbConn, row: &FailureRow) -> Result<(), StoreError> {
    diesel::insert_into(order_failures::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find_failure(conn: &mut DbConn, id: &str) -> Result<Option<FailureRow>, StoreError> {
    Ok(order_failures::table
        .find(id)
        .select(FailureRow::as_select())
        .first(conn)
        .optional()?)
}

/// The failures of the orders among `ids`, oldest first.
pub fn failures_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<FailureRow>, StoreError> {
    Ok(order_failures::table
        .filter(order_failures::order_id.eq_any(ids))
        .order(order_failures::id.asc())
        .select(FailureRow::as_select())
        .load(conn)?)
}

/// Failures waiting for a decision on orders still in delivery or paused, of an area (or
/// every area), in id order after the cursor.
pub fn awaiting_decision(
    conn: &mut DbConn,
    area: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<FailureRow>, StoreError> {
    let live = [
        OrderStatus::InDelivery.as_str(),
        OrderStatus::Paused.as_str(),
    ];
    let mut query = order_failures::table
        .inner_join(orders::table)
        .filter(order_failures::decision.is_null())
        .filter(orders::status.eq_any(live))
        .select(FailureRow::as_select())
        .into_boxed();
    if let Some(area) = area {
        query = query.filter(order_failures::area_code.eq(area.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(order_failures::id.gt(after));
    }
    let rows = query
        .order(order_failures::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |f| f.id.clone()))
}

/// Records the decision on a failure not yet decided; false if it was decided meanwhile.
pub fn decide_failure(
    conn: &mut DbConn,
    id: &str,
    decision: FailureDecision,
    note: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        order_failures::table
            .filter(order_failures::id.eq(id))
            .filter(order_failures::decision.is_null()),
    )
    .set((
        order_failures::decision.eq(Some(decision.as_str())),
        order_failures::decision_note.eq(note),
        order_failures::decided_by.eq(Some(by)),
        order_failures::decided_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The days of the person's failures judged warnings, on any of their orders: the breach
/// rule counts a case's failures, not one order's.
pub fn warning_days(conn: &mut DbConn, crn: &str) -> Result<Vec<NaiveDate>, StoreError> {
    Ok(order_failures::table
        .filter(
            order_failures::order_id
                .eq_any(orders::table.filter(orders::crn.eq(crn)).select(orders::id)),
        )
        .filter(order_failures::decision.eq(FailureDecision::Warning.as_str()))
        .select(order_failures::occurred_on)
        .load(conn)?)
}

pub fn insert_breach(conn: &mut DbConn, row: &BreachRow) -> Result<(), StoreError> {
    diesel::insert_into(breaches::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// The breaches of the orders among `ids`, oldest first.
pub fn breaches_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<BreachRow>, StoreError> {
    Ok(breaches::table
        .filter(breaches::order_id.eq_any(ids))
        .order((breaches::flagged_at.asc(), breaches::id.asc()))
        .select(BreachRow::as_select())
        .load(conn)?)
}

/// The order's breach not yet decided, if any.
pub fn open_breach(conn: &mut DbConn, order_id: &str) -> Result<Option<BreachRow>, StoreError> {
    Ok(breaches::table
        .filter(breaches::order_id.eq(order_id))
        .filter(breaches::status.eq_any([
            BreachStatus::Flagged.as_str(),
            BreachStatus::InProceedings.as_str(),
        ]))
        .select(BreachRow::as_select())
        .first(conn)
        .optional()?)
}

/// When the person's last breach (on any of their orders) was decided, if ever.
pub fn last_decided(conn: &mut DbConn, crn: &str) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(breaches::table
        .filter(
            breaches::order_id.eq_any(orders::table.filter(orders::crn.eq(crn)).select(orders::id)),
        )
        .filter(breaches::status.eq(BreachStatus::Decided.as_str()))
        .select(diesel::dsl::max(breaches::decided_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// Has the person a breach open (flagged, or in proceedings) on any of their orders?
pub fn person_in_breach(conn: &mut DbConn, crn: &str) -> Result<bool, StoreError> {
    let open: i64 = breaches::table
        .filter(
            breaches::order_id.eq_any(orders::table.filter(orders::crn.eq(crn)).select(orders::id)),
        )
        .filter(breaches::status.eq_any([
            BreachStatus::Flagged.as_str(),
            BreachStatus::InProceedings.as_str(),
        ]))
        .count()
        .get_result(conn)?;
    Ok(open > 0)
}

/// Starts proceedings on a flagged breach; false if it was no longer flagged.
pub fn start_proceedings(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        breaches::table
            .filter(breaches::id.eq(id))
            .filter(breaches::status.eq(BreachStatus::Flagged.as_str())),
    )
    .set((
        breaches::status.eq(BreachStatus::InProceedings.as_str()),
        breaches::proceedings_started_by.eq(Some(by)),
        breaches::proceedings_started_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Closes the order's open breach as the order ends another way; false if none was open.
pub fn close_breach(
    conn: &mut DbConn,
    id: &str,
    from: BreachStatus,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        breaches::table
            .filter(breaches::id.eq(id))
            .filter(breaches::status.eq(from.as_str())),
    )
    .set((
        breaches::status.eq(BreachStatus::Closed.as_str()),
        breaches::decided_by.eq(Some(by)),
        breaches::decided_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records the outcome of a breach in proceedings; false if it was no longer in them.
pub fn decide_breach(
    conn: &mut DbConn,
    id: &str,
    outcome: BreachOutcome,
    variation: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        breaches::table
            .filter(breaches::id.eq(id))
            .filter(breaches::status.eq(BreachStatus::InProceedings.as_str())),
    )
    .set((
        breaches::status.eq(BreachStatus::Decided.as_str()),
        breaches::outcome.eq(Some(outcome.as_str())),
        breaches::variation.eq(variation),
        breaches::decided_by.eq(Some(by)),
        breaches::decided_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
