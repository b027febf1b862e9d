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
    let order = provider_hub_store::orders::find(conn, &row.order_id)?;
    let order = order.as_ref();
    let provider_name =
        provider_hub_store::names::of_providers(conn, std::slice::from_ref(&row.provider_id))?
            .remove(&row.provider_id)
            .ok_or_else(|| Error::corrupt("payments.provider_id", "no such provider"))?;
    let listing_title = match order.and_then(|o| o.listing_id.clone()) {
        Some(listing) => {
            provider_hub_store::names::of_listings(conn, std::slice::from_ref(&listing))?
                .remove(&listing)
                .map(|n| n.listing_title)
        }
        None => None,
    };
    Ok(PaymentView {
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
    })
}
