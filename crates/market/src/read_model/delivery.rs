//! Delivery events and milestone payments as read back.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::DeliveryEventKind;
use provider_hub_domain::specification::Milestone;
use provider_hub_store::payments::{DeliveryEventRow, PaymentRow};
use provider_hub_store::{to_utc, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;

/// A recorded delivery event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryEventView {
    pub id: String,
    pub order_id: String,
    #[serde(rename = "type")]
    pub kind: DeliveryEventKind,
    pub on: NaiveDate,
    pub details: Option<String>,
    /// The contact time of an attended session, in minutes.
    pub minutes: Option<u32>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A milestone payment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub order_id: String,
    pub milestone: Milestone,
    pub amount_pence: i64,
    pub area: String,
    pub provider_id: String,
    /// The provider's name, beside its id.
    pub provider_name: String,
    /// The title of its order's listing (null once the order holds no place).
    pub listing_title: Option<String>,
    /// The financial year (April–March) it falls in, named by the year it starts.
    pub financial_year: i32,
    pub created_at: DateTime<Utc>,
    /// Its order's locked price (the listing's price × the person's multiplier).
    pub order_price_pence: Option<i64>,
    /// Its order's listing price (absent for orders placed before price multipliers).
    pub list_price_pence: Option<i64>,
    /// Its order's price multiplier, in basis points (10000 = ×1.00).
    pub multiplier_bps: Option<u32>,
}

pub(crate) fn event_view(row: DeliveryEventRow) -> Result<DeliveryEventView, Error> {
    Ok(DeliveryEventView {
        kind: row.kind,
        id: row.id,
        order_id: row.order_id,
        on: row.occurred_on,
        details: row.details,
        minutes: row
            .minutes
            .map(u32::try_from)
            .transpose()
            .map_err(|e| Error::corrupt("delivery_events.minutes", e))?,
        recorded_by: row.recorded_by,
        recorded_at: to_utc(row.recorded_at),
    })
}

/// A payment with its order's pricing.
pub(crate) fn payment_view(conn: &mut DbConn, row: PaymentRow) -> Result<PaymentView, Error> {
    payment_views(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::corrupt("payments", "a payment read as none"))
}

/// Payments with their orders' pricing and names, in the order given: one query each for
/// the orders, the providers' names and the listings' titles, however many payments.
pub(crate) fn payment_views(
    conn: &mut DbConn,
    rows: Vec<PaymentRow>,
) -> Result<Vec<PaymentView>, Error> {
    use provider_hub_store::{names, orders};
    let order_ids: Vec<String> = rows.iter().map(|p| p.order_id.clone()).collect();
    let orders: std::collections::HashMap<String, orders::OrderRow> =
        orders::find_many(conn, &order_ids)?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
    let provider_ids: Vec<String> = rows.iter().map(|p| p.provider_id.clone()).collect();
    let providers = names::of_providers(conn, &provider_ids)?;
    let listing_ids: Vec<String> = orders
        .values()
        .filter_map(|o| o.listing_id.clone())
        .collect();
    let listings = names::of_listings(conn, &listing_ids)?;
    rows.into_iter()
        .map(|row| {
            let order = orders.get(&row.order_id);
            let provider_name = providers
                .get(&row.provider_id)
                .cloned()
                .ok_or_else(|| Error::corrupt("payments.provider_id", "no such provider"))?;
            let listing_title = order
                .and_then(|o| o.listing_id.as_ref())
                .and_then(|l| listings.get(l))
                .map(|n| n.listing_title.clone());
            Ok(payment_of(row, order, provider_name, listing_title))
        })
        .collect()
}

fn payment_of(
    row: PaymentRow,
    order: Option<&provider_hub_store::orders::OrderRow>,
    provider_name: String,
    listing_title: Option<String>,
) -> PaymentView {
    PaymentView {
        provider_name,
        listing_title,
        order_price_pence: order.and_then(|o| o.price_pence),
        list_price_pence: order.and_then(|o| o.list_price_pence),
        multiplier_bps: order
            .and_then(|o| o.multiplier_bps)
            .and_then(|m| u32::try_from(m).ok()),
        milestone: row.milestone,
        id: row.id,
        order_id: row.order_id,
        amount_pence: row.amount_pence,
        area: row.area_code,
        provider_id: row.provider_id,
        financial_year: row.financial_year,
        created_at: to_utc(row.created_at),
    }
}
