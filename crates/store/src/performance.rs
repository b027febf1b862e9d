//! The evidence behind adjusted quality scores, and the orders the continuity principle
//! looks for: a few grouped reads over `orders`.

use std::collections::BTreeMap;

use diesel::prelude::*;
use provider_hub_domain::order::{EndReason, OrderStatus, OutcomeKind};
use provider_hub_domain::performance::Evidence;
use provider_hub_domain::Category;

use crate::schema::orders;
use crate::{DbConn, StoreError};

/// The orders that count as evidence: ends the provider answers for (completed, failed,
/// terminated for breach) and recorded outcomes (whatever the status). Written out, not
/// bound, so that the partial index `orders_counted`, whose predicate is this word for
/// word, serves the read on both backends (neither matches an index predicate against
/// bound parameters).
pub const COUNTED: &str = "(status IN ('completed', 'failed') OR (status = 'terminated' AND end_reason = 'breach') OR outcome IS NOT NULL)";

/// Evidence by provider and category, for `providers` (all of each provider's
/// categories, or only `category`), read in one grouped query.
#[allow(clippy::type_complexity)]
pub fn evidence(
    conn: &mut DbConn,
    providers: &[String],
    category: Option<Category>,
) -> Result<BTreeMap<(String, Category), Evidence>, StoreError> {
    let mut found = BTreeMap::new();
    if providers.is_empty() {
        return Ok(found);
    }
    let counted = diesel::dsl::sql::<diesel::sql_types::Bool>(COUNTED);
    let mut query = orders::table
        .filter(orders::provider_id.eq_any(providers))
        .filter(counted)
        .group_by((
            orders::provider_id,
            orders::category,
            orders::status,
            orders::end_reason,
            orders::outcome,
        ))
        .select((
            orders::provider_id,
            orders::category,
            orders::status,
            orders::end_reason,
            orders::outcome,
            diesel::dsl::count_star(),
        ))
        .into_boxed();
    if let Some(category) = category {
        query = query.filter(orders::category.eq(category.as_str()));
    }
    let rows: Vec<(
        Option<String>,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
    )> = query.load(conn)?;
    for (provider, category, status, end_reason, outcome, n) in rows {
        let Some(provider) = provider else { continue };
        let category: Category = category
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("orders.category: {e}")))?;
        let status: OrderStatus = status
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("orders.status: {e}")))?;
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let e: &mut Evidence = found.entry((provider, category)).or_default();
        let breach = end_reason.as_deref() == Some(EndReason::Breach.as_str());
        match status {
            OrderStatus::Completed => e.completed = e.completed.saturating_add(n),
            OrderStatus::Failed => e.failed = e.failed.saturating_add(n),
            OrderStatus::Terminated if breach => e.failed = e.failed.saturating_add(n),
            _ => {}
        }
        match outcome.as_deref().map(str::parse::<OutcomeKind>) {
            Some(Ok(OutcomeKind::NoProvenReoffence12m)) => {
                e.positive_outcomes = e.positive_outcomes.saturating_add(n)
            }
            Some(Ok(OutcomeKind::ProvenReoffence12m)) => {
                e.negative_outcomes = e.negative_outcomes.saturating_add(n)
            }
            // An outcome word this version does not know is not evidence either way.
            Some(Err(_)) | None => {}
        }
    }
    Ok(found)
}

/// An order of a person's that a provider is delivering or has delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuing {
    pub crn: String,
    pub order_id: String,
    pub provider_id: String,
    pub category: Category,
}

/// The orders of these people that providers are delivering or have delivered
/// (accepted, in delivery, paused or completed), oldest first.
pub fn continuing(conn: &mut DbConn, crns: &[String]) -> Result<Vec<Continuing>, StoreError> {
    if crns.is_empty() {
        return Ok(Vec::new());
    }
    let continues = [
        OrderStatus::Accepted.as_str(),
        OrderStatus::InDelivery.as_str(),
        OrderStatus::Paused.as_str(),
        OrderStatus::Completed.as_str(),
    ];
    // Only the people's index is asked for: a person's orders are few, and their status
    // is told apart here, so no plan can reach for an index of every order in those
    // states (as generic plans did on tables not yet analysed).
    let rows: Vec<(String, String, String, Option<String>, String)> = orders::table
        .filter(orders::crn.eq_any(crns))
        .order((orders::crn, orders::created_at, orders::id))
        .select((
            orders::crn,
            orders::id,
            orders::status,
            orders::provider_id,
            orders::category,
        ))
        .load(conn)?;
    rows.into_iter()
        .filter(|(_, _, status, _, _)| continues.contains(&status.as_str()))
        .filter_map(|(crn, order_id, _, provider, category)| {
            provider.map(|provider_id| (crn, order_id, provider_id, category))
        })
        .map(|(crn, order_id, provider_id, category)| {
            Ok(Continuing {
                crn,
                order_id,
                provider_id,
                category: category
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("orders.category: {e}")))?,
            })
        })
        .collect()
}

#[cfg(test)]
mod words {
    use super::*;

    #[test]
    fn the_counted_predicate_names_the_domains_words() {
        for word in [
            OrderStatus::Completed.as_str(),
            OrderStatus::Failed.as_str(),
            OrderStatus::Terminated.as_str(),
            EndReason::Breach.as_str(),
        ] {
            assert!(COUNTED.contains(&format!("'{word}'")), "{word}");
        }
    }
}
