//! The whole ranking of an order's candidates, recomputed on demand (issue 19).
//!
//! A placement stores the counts, the choice, the runner-up and the best ten candidates
//! (`Explanation::ranking`); every candidate ranked would be most of a megabyte per order
//! at the engine's worst case. Who may read an order's explanation may ask for every
//! candidate ranked instead — worked out by the same engine over the market **as it
//! stands now**, not as it stood when the order was placed: places since sold or freed,
//! prices, accreditations and listings since changed all count as they are now.
//! Providers never see it (SPEC.md §4: never the ranking of their competitors).

use chrono::{DateTime, Utc};
use provider_hub_domain::Role;
use provider_hub_matching::{rank, Explanation};
use provider_hub_store::orders as store;
use provider_hub_store::DbConn;
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::placement;
use crate::Error;

/// Who may read an order's whole ranking: those who read its explanation.
pub const RANKING_READERS: &[Role] = &[Role::OffenderManager, Role::Quality, Role::Commissioner];

/// Every candidate for an order, ranked as the market stands now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderRanking {
    pub order_id: String,
    /// When the ranking was worked out: it is of the market as it stood at this instant,
    /// not as at placement (the order's own `explanation` says how it was placed).
    pub ranked_at: DateTime<Utc>,
    /// The engine's explanation now, with `ranking` holding every candidate, best first
    /// (`chosen` is what the engine would choose now, which may not be the order's place).
    pub explanation: Explanation,
}

/// Every candidate for order `id` ranked by its area's policy over today's market; an
/// order the caller may not read does not exist.
pub fn of_order(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<OrderRanking, Error> {
    let Caller {
        role, scope, now, ..
    } = caller;
    if !RANKING_READERS.contains(role) {
        // A provider never sees its competitors' ranking (SPEC.md §4).
        return Err(Error::Forbidden(format!(
            "the {role} role does not see the ranking of an order's candidates: the offender_manager, quality and commissioner roles do"
        )));
    }
    let order = store::find(conn, id)?
        .filter(|o| {
            access::may_read(
                *role,
                scope,
                Objects::Orders,
                &o.area_code,
                o.provider_id.as_deref(),
            )
        })
        .ok_or_else(|| Error::NotFound(format!("order {id}")))?;
    let prepared = placement::prepare(conn, &order, *now)?;
    let explanation = rank(
        &prepared.request,
        &prepared.listings,
        &prepared.market,
        prepared.policy,
    )
    .with_elsewhere(prepared.elsewhere, &prepared.request);
    Ok(OrderRanking {
        order_id: order.id,
        ranked_at: *now,
        explanation,
    })
}
