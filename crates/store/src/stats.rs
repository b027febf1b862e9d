//! Counts for `/metrics`: orders by status, pending offers, the webhook outbox.

use diesel::prelude::*;

use crate::schema::{offers, orders, webhook_deliveries};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub orders_by_status: Vec<(String, i64)>,
    pub offers_pending: i64,
    pub deliveries_by_status: Vec<(String, i64)>,
}

pub fn read(conn: &mut DbConn) -> Result<Stats, StoreError> {
    let orders_by_status = orders::table
        .group_by(orders::status)
        .select((orders::status, diesel::dsl::count_star()))
        .order(orders::status.asc())
        .load(conn)?;
    let offers_pending = offers::table
        .filter(offers::status.eq("pending"))
        .count()
        .get_result(conn)?;
    let deliveries_by_status = webhook_deliveries::table
        .group_by(webhook_deliveries::status)
        .select((webhook_deliveries::status, diesel::dsl::count_star()))
        .order(webhook_deliveries::status.asc())
        .load(conn)?;
    Ok(Stats {
        orders_by_status,
        offers_pending,
        deliveries_by_status,
    })
}
