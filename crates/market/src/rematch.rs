//! Retries of unmatched orders (SPEC.md §3: `unmatched → open` when capacity or a listing
//! appears). A change that may let orders match — a place freed, a listing published,
//! capacity set, a provider accredited or reinstated, the threshold lowered — writes a
//! rematch request in its own transaction; the background worker takes the requests and
//! offers the market to the waiting orders, earliest required-by first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use provider_hub_domain::event::EventKind;
use provider_hub_domain::order::{OrderEvent, OrderStatus};
use provider_hub_domain::Category;
use provider_hub_matching::{quote, Policy};
use provider_hub_store::matching as store;
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::{write_transaction, DbConn};

use crate::change::{self, OrderChange};
use crate::event_data::OrderReopened;
use crate::placement::{place_open, prepare, request_of, system_actor, Prepared, Settings};
use crate::{naive, supply, Actor, Error};

/// Retries the unmatched orders the market changes since the last call may let match —
/// a place freed by a cancellation, decline, expiry or withdrawal, a listing published,
/// capacity set, a provider accredited or reinstated, the threshold lowered — earliest
/// required-by first, so the most urgent order gets a freed place. Run by the background
/// worker; each order is its own transaction and the reopening is conditional, so several
/// processes may run it at once. Returns how many were placed.
pub fn retry_unmatched(
    conn: &mut DbConn,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let requests = write_transaction(conn, |conn| {
        Ok::<_, Error>(store::take_rematch_requests(conn, 1000)?)
    })?;
    if requests.is_empty() {
        return Ok(0);
    }
    let categories: Vec<Option<String>> = if requests.iter().any(Option::is_none) {
        vec![None]
    } else {
        let mut c: Vec<Option<String>> = requests;
        c.sort();
        c.dedup();
        c
    };
    let outcome = retry_categories(conn, &categories, settings, now);
    if outcome.is_err() {
        // The requests were taken: ask again, so the next round retries what this one
        // could not finish.
        let asked_again = write_transaction(conn, |conn| {
            for category in &categories {
                store::request_rematch(conn, category.as_deref(), "retry interrupted", naive(now))?;
            }
            Ok::<_, Error>(())
        });
        if let Err(e) = asked_again {
            tracing::warn!(error = %e, "cannot ask again for the interrupted retry");
        }
    }
    outcome
}

fn retry_categories(
    conn: &mut DbConn,
    categories: &[Option<String>],
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let actor = system_actor();
    let today = now.date_naive();
    let market = supply::market(conn, today)?;
    let mut placed = 0;
    for category in categories {
        let waiting = order_store::unmatched_by_required_by(conn, category.as_deref(), 10_000)?;
        // The market is read once per category for every waiting order, to pass over
        // those that cannot match (read only), in the categories' alphabetical order.
        let mut by_category: BTreeMap<(&str, Category), Vec<OrderRow>> = BTreeMap::new();
        for order in waiting {
            by_category
                .entry((order.category.as_str(), order.category))
                .or_default()
                .push(order);
        }
        let mut matchable = Vec::new();
        for ((_, category), orders) in by_category {
            let until = orders.iter().map(|o| o.required_by).max().unwrap_or(today);
            let listings = supply::load(conn, category, None, today, until)?;
            for order in orders {
                let request = match request_of(conn, &order) {
                    Ok(request) => request,
                    Err(e) if !is_unavailable(&e) => {
                        // One unreadable order must not keep the others waiting.
                        tracing::warn!(order = %order.id, error = %e, "cannot retry an unmatched order");
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                if quote(&request, &listings, &market, Policy::BestPrice)
                    .chosen
                    .is_some()
                {
                    matchable.push(order);
                }
            }
        }
        // Earliest required-by first across categories; each is checked against the market
        // as it is by then, so a place taken by an earlier order is not offered twice and
        // an order that can no longer match is left as it is, writing nothing.
        matchable.sort_by(|a, b| (a.required_by, &a.id).cmp(&(b.required_by, &b.id)));
        for order in matchable {
            match retry_one(conn, &actor, &order, settings, now) {
                Ok(true) => placed += 1,
                Ok(false) => {}
                // Changed by another process meanwhile (reopened, cancelled): its business.
                Err(Error::Conflict { .. }) => {}
                // The database is busy or unreachable: stop; the requests are asked for again.
                Err(e) if is_unavailable(&e) => return Err(e),
                // One order that cannot be placed must not keep the others waiting.
                Err(e) => {
                    tracing::warn!(order = %order.id, error = %e, "cannot retry an unmatched order")
                }
            }
        }
    }
    Ok(placed)
}

/// Reopens one unmatched order and places it, if the market lets it match now. True when
/// it was offered.
fn retry_one(
    conn: &mut DbConn,
    actor: &Actor,
    order: &OrderRow,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let Prepared {
        request,
        market,
        policy,
        listings,
        ..
    } = prepare(conn, order, now)?;
    if quote(&request, &listings, &market, policy).chosen.is_none() {
        return Ok(false);
    }
    let id = &order.id;
    let outcome = write_transaction(conn, |conn| {
        // Read again in the transaction: reopened or cancelled meanwhile, it is not
        // unmatched any more, and the transition is refused (a conflict, left alone).
        let Some(order) = order_store::find(conn, id)? else {
            return Ok(OrderStatus::Unmatched);
        };
        change::transition(
            conn,
            &order,
            OrderEvent::Reopen,
            |conn, from, to| Ok(order_store::set_status(conn, id, from, to, naive(now))?),
            |from, to| OrderChange {
                actor,
                action: "order.reopened".into(),
                before: Some(serde_json::json!({ "status": from })),
                after: serde_json::json!({ "status": to }),
                kind: EventKind::OrderReopened,
                offer_id: None,
                provider_id: None,
                data: OrderReopened {
                    status: to,
                    previous_status: from,
                    because: "the market changed".into(),
                }
                .into(),
                now,
            },
        )?;
        place_open(conn, actor, id, settings, now)
    })?;
    Ok(outcome == OrderStatus::Offered)
}

/// Is the database busy or unreachable (worth trying again next round)?
fn is_unavailable(e: &Error) -> bool {
    match e {
        Error::Unavailable => true,
        Error::Store(store) => store.is_busy(),
        _ => false,
    }
}
