//! An order's payments as whoever may read the order sees them (the offender managers
//! of its area follow what each intervention has cost so far).

use provider_hub_store::payments as store;
use provider_hub_store::DbConn;

use crate::access::Caller;
use crate::read_model::delivery::{payment_views, PaymentView};
use crate::read_model::orders;
use crate::Error;

/// The payments made for one order, oldest first; 404 when the caller may not read the order.
pub fn of_order(
    conn: &mut DbConn,
    caller: &Caller,
    order_id: &str,
) -> Result<Vec<PaymentView>, Error> {
    let order = orders::get(conn, caller, order_id)?;
    let rows = store::of_order(conn, &order.id)?;
    payment_views(conn, rows)
}
