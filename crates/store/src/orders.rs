//! Intervention orders.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::order::{EndReason, OrderStatus, OutcomeKind};
use provider_hub_domain::Category;

use crate::cursor::Page;
use crate::schema::orders;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: String,
    pub plan_id: String,
    pub plan_item_id: String,
    pub crn: String,
    pub area_code: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub category: Category,
    pub specification_code: Option<String>,
    pub required_by: NaiveDate,
    #[diesel(serialize_as = crate::words::Word)]
    pub status: OrderStatus,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub listing_id: Option<String>,
    pub provider_id: Option<String>,
    /// The price locked when the order was placed.
    pub price_pence: Option<i64>,
    /// The start date of the place it holds.
    pub starts_on: Option<NaiveDate>,
    /// The matching engine's explanation (JSON) of the last placement attempt.
    pub explanation: Option<String>,
    pub cancel_reason: Option<String>,
    /// The start date the provider reported.
    pub actual_start: Option<NaiveDate>,
    /// The outcome a commissioner recorded.
    #[diesel(serialize_as = crate::words::MaybeWord)]
    pub outcome: Option<OutcomeKind>,
    /// The commissioner who approved its spend over the area's budget.
    pub budget_approved_by: Option<String>,
    /// The listing's own price when placed; `price_pence` is it × `multiplier_bps`.
    pub list_price_pence: Option<i64>,
    /// The person's price multiplier when placed, in basis points (10000 = ×1.00).
    pub multiplier_bps: Option<i32>,
}

/// Where an order is placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub listing_id: String,
    pub provider_id: String,
    /// What the person pays: the listing's price × their multiplier.
    pub price_pence: i64,
    pub list_price_pence: i64,
    pub multiplier_bps: u32,
    pub starts_on: NaiveDate,
}

pub fn insert(conn: &mut DbConn, row: &OrderRow) -> Result<(), StoreError> {
    diesel::insert_into(orders::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<OrderRow>, StoreError> {
    Ok(orders::table
        .find(id)
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// The orders of `ids` that exist, in id order.
pub fn find_many(conn: &mut DbConn, ids: &[String]) -> Result<Vec<OrderRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(orders::table
        .filter(orders::id.eq_any(ids))
        .order(orders::id.asc())
        .select(OrderRow::as_select())
        .load(conn)?)
}

/// The orders a plan created, in id (creation) order.
pub fn of_plan(conn: &mut DbConn, plan_id: &str) -> Result<Vec<OrderRow>, StoreError> {
    Ok(orders::table
        .filter(orders::plan_id.eq(plan_id))
        .order(orders::id.asc())
        .select(OrderRow::as_select())
        .load(conn)?)
}

/// Moves an order from `from` to `to`; false if it was no longer in `from`.
pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    from: OrderStatus,
    to: OrderStatus,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(from.as_str())),
    )
    .set((orders::status.eq(to.as_str()), orders::updated_at.eq(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Places an open order (→ offered) with its explanation; false if it was not open.
pub fn place(
    conn: &mut DbConn,
    id: &str,
    placement: &Placement,
    explanation: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    place_from(conn, id, OrderStatus::Open, placement, explanation, at)
}

/// Places an order that is in `from` (→ offered) with its explanation; false if it was
/// not: a batch run offers unmatched orders a place directly.
pub fn place_from(
    conn: &mut DbConn,
    id: &str,
    from: OrderStatus,
    placement: &Placement,
    explanation: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(from.as_str())),
    )
    .set((
        orders::status.eq(OrderStatus::Offered.as_str()),
        orders::listing_id.eq(Some(&placement.listing_id)),
        orders::provider_id.eq(Some(&placement.provider_id)),
        orders::price_pence.eq(Some(placement.price_pence)),
        orders::list_price_pence.eq(Some(placement.list_price_pence)),
        orders::multiplier_bps.eq(Some(
            i32::try_from(placement.multiplier_bps).unwrap_or(i32::MAX),
        )),
        orders::starts_on.eq(Some(placement.starts_on)),
        orders::explanation.eq(Some(explanation)),
        orders::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Leaves an open order without a place (→ `to`: unmatched, or awaiting budget approval)
/// with the explanation; false if it was not open.
pub fn park(
    conn: &mut DbConn,
    id: &str,
    to: OrderStatus,
    explanation: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(OrderStatus::Open.as_str())),
    )
    .set((
        orders::status.eq(to.as_str()),
        orders::explanation.eq(Some(explanation)),
        orders::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Takes an order's placement away as it moves from `from` to `to` (a declined or
/// expired offer goes back to `open`; a cancelled order keeps its reason).
pub fn unplace(
    conn: &mut DbConn,
    id: &str,
    from: OrderStatus,
    to: OrderStatus,
    cancel_reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(from.as_str())),
    )
    .set((
        orders::status.eq(to.as_str()),
        orders::listing_id.eq(None::<String>),
        orders::provider_id.eq(None::<String>),
        orders::price_pence.eq(None::<i64>),
        orders::list_price_pence.eq(None::<i64>),
        orders::multiplier_bps.eq(None::<i32>),
        orders::starts_on.eq(None::<NaiveDate>),
        orders::cancel_reason.eq(cancel_reason),
        orders::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Cancels an order that holds no place, with the reason; false if it was not in `from`.
pub fn cancel_unplaced(
    conn: &mut DbConn,
    id: &str,
    from: OrderStatus,
    reason: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(from.as_str())),
    )
    .set((
        orders::status.eq(OrderStatus::Cancelled.as_str()),
        orders::cancel_reason.eq(Some(reason)),
        orders::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ids of orders in `status`, of a category (or any) and an area (or any), oldest first.
pub fn ids_in_status(
    conn: &mut DbConn,
    status: OrderStatus,
    category: Option<&str>,
    area: Option<&str>,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let mut query = orders::table
        .filter(orders::status.eq(status.as_str()))
        .select(orders::id)
        .into_boxed();
    if let Some(category) = category {
        query = query.filter(orders::category.eq(category.to_owned()));
    }
    if let Some(area) = area {
        query = query.filter(orders::area_code.eq(area.to_owned()));
    }
    Ok(query.order(orders::id.asc()).limit(limit).load(conn)?)
}

/// Unmatched orders of a category (or any), earliest required-by first (then oldest):
/// the order in which a place that frees up is offered to them.
pub fn unmatched_by_required_by(
    conn: &mut DbConn,
    category: Option<&str>,
    limit: i64,
) -> Result<Vec<OrderRow>, StoreError> {
    let mut query = orders::table
        .filter(orders::status.eq(OrderStatus::Unmatched.as_str()))
        .select(OrderRow::as_select())
        .into_boxed();
    if let Some(category) = category {
        query = query.filter(orders::category.eq(category.to_owned()));
    }
    Ok(query
        .order((orders::required_by.asc(), orders::id.asc()))
        .limit(limit)
        .load(conn)?)
}

/// Orders placed with a provider in one of `statuses`, earliest required-by first.
pub fn held_by_provider(
    conn: &mut DbConn,
    provider_id: &str,
    statuses: &[OrderStatus],
) -> Result<Vec<OrderRow>, StoreError> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    Ok(orders::table
        .filter(orders::provider_id.eq(provider_id))
        .filter(orders::status.eq_any(statuses))
        .order((orders::required_by.asc(), orders::id.asc()))
        .select(OrderRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub area: Option<String>,
    pub crn: Option<String>,
    pub status: Option<OrderStatus>,
    /// Only orders placed with this provider.
    pub provider_id: Option<String>,
    pub category: Option<String>,
    /// Only orders made (their plan approved) at or after this instant…
    pub created_from: Option<NaiveDateTime>,
    /// …and before this one.
    pub created_before: Option<NaiveDateTime>,
}

/// Orders in id order; the cursor key is the last id seen.
pub fn list(
    conn: &mut DbConn,
    filter: &OrderFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<OrderRow>, StoreError> {
    let mut query = orders::table.select(OrderRow::as_select()).into_boxed();
    if let Some(area) = &filter.area {
        query = query.filter(orders::area_code.eq(area.clone()));
    }
    if let Some(crn) = &filter.crn {
        query = query.filter(orders::crn.eq(crn.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(provider_id) = &filter.provider_id {
        query = query.filter(orders::provider_id.eq(provider_id.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(orders::category.eq(category.clone()));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(orders::created_at.ge(from));
    }
    if let Some(before) = filter.created_before {
        query = query.filter(orders::created_at.lt(before));
    }
    if let Some(after) = after {
        query = query.filter(orders::id.gt(after));
    }
    let rows = query
        .order(orders::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |o| o.id.clone()))
}

/// Records a delivery step: `from` → `to`, with the actual start when the report is
/// `started`; false if the order was no longer in `from`.
pub fn deliver(
    conn: &mut DbConn,
    id: &str,
    from: OrderStatus,
    to: OrderStatus,
    actual_start: Option<NaiveDate>,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = orders::table
        .filter(orders::id.eq(id))
        .filter(orders::status.eq(from.as_str()));
    let n = match actual_start {
        Some(day) => diesel::update(target)
            .set((
                orders::status.eq(to.as_str()),
                orders::actual_start.eq(Some(day)),
                orders::updated_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((orders::status.eq(to.as_str()), orders::updated_at.eq(at)))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Records a completed order's outcome, once; false if it has one already or is not
/// completed.
pub fn record_outcome(
    conn: &mut DbConn,
    id: &str,
    outcome: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(OrderStatus::Completed.as_str()))
            .filter(orders::outcome.is_null()),
    )
    .set((orders::outcome.eq(Some(outcome)), orders::updated_at.eq(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Approves an order's spend over budget (awaiting_approval → open); false if it was not
/// awaiting approval.
pub fn approve_budget(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(OrderStatus::AwaitingApproval.as_str())),
    )
    .set((
        orders::status.eq(OrderStatus::Open.as_str()),
        orders::budget_approved_by.eq(Some(by)),
        orders::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Why, by whom and when an order was ended in delivery.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Ending {
    pub order_id: String,
    pub reason: EndReason,
    pub detail: Option<String>,
    pub ended_by: String,
    pub ended_at: NaiveDateTime,
}

/// Ends an order in delivery or in breach proceedings (`from` → terminated) with its
/// reason; false if it was no longer in `from`. The placement stays: it is what was
/// bought and paid for.
pub fn end(
    conn: &mut DbConn,
    id: &str,
    from: OrderStatus,
    reason: EndReason,
    detail: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(from.as_str())),
    )
    .set((
        orders::status.eq(OrderStatus::Terminated.as_str()),
        orders::end_reason.eq(Some(reason.as_str())),
        orders::end_detail.eq(detail),
        orders::ended_by.eq(Some(by)),
        orders::ended_at.eq(Some(at)),
        orders::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The ending columns as stored: all null until the order is ended.
#[derive(Queryable)]
struct EndingColumns {
    order_id: String,
    reason: Option<EndReason>,
    detail: Option<String>,
    ended_by: Option<String>,
    ended_at: Option<NaiveDateTime>,
}

/// How the orders among `ids` that were ended came to end.
pub fn endings_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<Ending>, StoreError> {
    let rows: Vec<EndingColumns> = orders::table
        .filter(orders::id.eq_any(ids))
        .filter(orders::end_reason.is_not_null())
        .select((
            orders::id,
            orders::end_reason,
            orders::end_detail,
            orders::ended_by,
            orders::ended_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Ending {
                order_id: row.order_id,
                reason: row.reason?,
                detail: row.detail,
                ended_by: row.ended_by?,
                ended_at: row.ended_at?,
            })
        })
        .collect())
}
