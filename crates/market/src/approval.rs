//! Approving a sentence plan: the purchase trigger. In one transaction the plan is
//! compared with what is already bought for the person ([`crate::revisions`]): an order
//! is created and matched for each item to buy (not one already ordered or delivered,
//! not one removed or deferred), in the plan's sequence — an item that starts after
//! another gets the window the earlier one's start leaves it — and the orders no longer
//! needed that the offender manager confirms are ended (cancelled before delivery,
//! terminated `revised` in delivery). The person's earlier plan is
//! superseded and the approved one is given its review date.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::{EndReason, OrderStatus};
use provider_hub_domain::plan::PlanStatus;
use provider_hub_domain::revision;
use provider_hub_domain::sequence::{self, After};
use provider_hub_domain::{Role, ValidationErrors};
use provider_hub_matching::Request;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::plans::{self as store, PlanItemRow, PlanRow};
use provider_hub_store::{write_transaction, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::placement::Settings;
use crate::plans::{self, Known, PlanView};
use crate::read_model::orders::{self, OrderView};
use crate::revisions;
use crate::{naive, Actor, Error};

/// What the offender manager confirms when approving: which of the orders the revision
/// proposes for ending are to be ended. None is ended unless listed here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// Ids of orders on the revision's `end` lines.
    #[serde(default)]
    pub end_orders: Vec<String>,
}

/// A plan's approval: the plan as it now stands and the orders it created.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanApproval {
    pub plan: PlanView,
    /// One order per item bought, in the order they were created.
    pub orders: Vec<OrderView>,
    /// The orders kept from the person's earlier plans (not bought again).
    pub kept_orders: Vec<String>,
    /// The orders this approval ended.
    pub ended_orders: Vec<String>,
}

/// The reason an order ended by a revision is given.
fn ending_reason(plan: &PlanRow) -> String {
    format!(
        "revised: no longer needed by the sentence plan of assessment {}",
        plan.assessment_id
    )
}

/// Approves a proposed plan (see the module's documentation). Approving an approved
/// plan changes nothing and answers its orders again; so does the second of two
/// approvals at once, whichever commits last.
pub fn approve(
    conn: &mut DbConn,
    caller: &Caller,
    plan_id: &str,
    confirmation: Confirmation,
    settings: Settings,
) -> Result<PlanApproval, Error> {
    let (actor, role, now) = (&caller.actor, caller.role, caller.now);
    if role != Role::OffenderManager {
        return Err(Error::Forbidden(
            "only an offender manager of the case's area approves a sentence plan".into(),
        ));
    }
    let (kept, ended, known) = write_transaction(conn, |conn| {
        let plan = plans::visible(conn, caller, plan_id)?;
        if plan.status != PlanStatus::Proposed {
            return Ok((Vec::new(), Vec::new(), None));
        }
        // Approvals of two plans of one person take turns: the later compares its items
        // with what the earlier bought, so no need is bought twice.
        provider_hub_store::cases::hold(conn, &plan.crn)?;
        let items = store::items(conn, plan_id)?;
        let comparison = revisions::compare(conn, &plan, &items)?;
        let to_end = confirmed_endings(&comparison.ends, &confirmation)?;
        // The conditional update: of two approvals at once, one buys.
        let review_on = revision::review_date(now.date_naive(), settings.plan_review_months);
        if !store::approve(conn, plan_id, &actor.sub, naive(now), review_on)? {
            return Ok((Vec::new(), Vec::new(), None));
        }
        // Before the places are taken, so that nothing is left to do but record the
        // change while a place is held.
        store::supersede(conn, &plan.crn, plan_id)?;
        let steps = revisions::sequence_of(&plan)?;
        let constraints = revisions::constraints(&steps, &items);
        let (bought, known) = buy(
            conn,
            actor,
            &plan,
            &items,
            &comparison.kept,
            &constraints,
            settings,
            now,
        )?;
        let reason = ending_reason(&plan);
        for order in &to_end {
            // Not started yet: cancelled. In delivery (or paused): ended, `revised`.
            if matches!(order.status, OrderStatus::InDelivery | OrderStatus::Paused) {
                crate::ending::end_in(conn, actor, order, EndReason::Revised, Some(&reason), now)?;
            } else {
                crate::orders::cancel_in(conn, actor, order, &reason, now)?;
            }
        }
        let kept: Vec<String> = comparison
            .kept
            .iter()
            .flatten()
            .map(|o| o.id.clone())
            .collect();
        let ended: Vec<String> = to_end.iter().map(|o| o.id.clone()).collect();
        conn.audit(AuditEntry {
            actor,
            action: "sentence_plan.approved",
            entity_type: "sentence_plan",
            entity_id: plan_id,
            before: Some(serde_json::json!({ "status": plan.status })),
            after: Some(serde_json::json!({
                "status": PlanStatus::Approved.as_str(),
                "orders": bought,
                "kept_orders": kept,
                "ended_orders": ended,
                "review_on": review_on,
                "revises_plan_id": plan.revises_plan_id,
            })),
            at: naive(now),
        });
        // The person's continuing orders are as the approval found them unless it ended
        // some.
        let known = known.filter(|_| ended.is_empty());
        Ok::<_, Error>((kept, ended, known))
    })?;
    // Read after the commit, so that the places taken are not held while the answer is
    // made (costing the plan matches every item again).
    let plan = store::find(conn, plan_id)?
        .ok_or_else(|| Error::corrupt("sentence_plans", "the plan did not read back"))?;
    let orders = orders::of_plan(conn, plan_id)?;
    Ok(PlanApproval {
        plan: plans::costed_knowing(conn, plan, known, now)?,
        orders,
        kept_orders: kept,
        ended_orders: ended,
    })
}

/// The orders to end: each one confirmed must be on an `end` line; otherwise 422 naming
/// it, and nothing changes.
fn confirmed_endings(
    ends: &[OrderRow],
    confirmation: &Confirmation,
) -> Result<Vec<OrderRow>, Error> {
    let mut errors = ValidationErrors::new();
    let mut seen = BTreeSet::new();
    let mut to_end = Vec::new();
    for (i, id) in confirmation.end_orders.iter().enumerate() {
        let field = format!("end_orders[{i}]");
        match ends.iter().find(|o| &o.id == id) {
            None => errors.add(
                field,
                format!("{id} is not an order this revision proposes for ending"),
            ),
            Some(order) => {
                if seen.insert(id.clone()) {
                    to_end.push(order.clone());
                }
            }
        }
    }
    errors.into_result()?;
    Ok(to_end)
}

/// Creates and matches an order for each item to buy, in waves: first those that start
/// after no item bought now, then those whose earlier items are placed, each with the
/// window the earlier items' starts leave it. The ids of the orders created, and the
/// person as it read them (none when it bought nothing).
#[allow(clippy::too_many_arguments)]
fn buy(
    conn: &mut Tx<'_>,
    actor: &Actor,
    plan: &PlanRow,
    items: &[PlanItemRow],
    kept: &[Option<OrderRow>],
    constraints: &[After],
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Option<Known>), Error> {
    // The sequence was checked when it was set; it holds over the same items.
    sequence::start_order(items.len(), constraints)
        .map_err(|e| Error::corrupt("sentence_plans.sequence", e))?;
    let mut to_buy = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if kept[i].is_none() && revisions::set_aside_of(item)?.is_none() {
            to_buy.push(i);
        }
    }
    // The start each item waits on: a kept order's committed start, an item bought now
    // once placed; items set aside are waited on by nobody.
    let mut start: Vec<Option<NaiveDate>> = kept
        .iter()
        .zip(items)
        .map(|(k, item)| {
            k.as_ref().map(|o| {
                let committed = o.actual_start.or(o.starts_on);
                sequence::earlier_start(committed, o.required_by.max(item.required_by))
            })
        })
        .collect();
    let mut done = vec![false; items.len()];
    let mut created = Vec::new();
    if to_buy.is_empty() {
        return Ok((created, None));
    }
    // The person as eligibility sees them, and the orders providers deliver for them (no
    // order this approval makes is one until accepted): read once for every order.
    let person = crate::placement::person_of(conn, &plan.assessment_id, &plan.crn)?;
    let continuing = crate::placement::continuing_of(conn, std::slice::from_ref(&plan.crn))?
        .remove(&plan.crn)
        .unwrap_or_default();
    while to_buy.iter().any(|i| !done[*i]) {
        let pending = |i: usize| to_buy.contains(&i) && !done[i];
        let wave: Vec<usize> = to_buy
            .iter()
            .copied()
            .filter(|i| !done[*i])
            .filter(|i| {
                constraints
                    .iter()
                    .filter(|c| c.item == *i)
                    .all(|c| !pending(c.after))
            })
            .collect();
        if wave.is_empty() {
            return Err(Error::corrupt("sentence_plans.sequence", "a circle"));
        }
        let mut wave_orders = Vec::with_capacity(wave.len());
        for &i in &wave {
            let item = &items[i];
            let waits_on = constraints
                .iter()
                .filter(|c| c.item == i)
                .filter_map(|c| start[c.after])
                .max();
            let (not_before, required_by) = match waits_on {
                Some(earlier) => {
                    let lead = u32::try_from(item.lead_time_days).unwrap_or(0);
                    let window = sequence::window_after(item.required_by, lead, earlier);
                    store::set_not_before(conn, &item.id, window.not_before, window.required_by)?;
                    (window.not_before, window.required_by)
                }
                None => (item.not_before, item.required_by),
            };
            let order = new_order(actor, plan, item, required_by, now);
            order_store::insert(conn, &order)?;
            conn.audit(AuditEntry {
                actor,
                action: "order.created",
                entity_type: "order",
                entity_id: &order.id,
                before: None,
                after: serde_json::to_value(&order).ok(),
                at: naive(now),
            });
            created.push(order.id.clone());
            wave_orders.push((i, order, not_before));
        }
        // Each order is matched at once, in this transaction: offered with a place
        // reserved, or unmatched with the reason. Everything matching reads is read for
        // every order of the wave first, so no order holds its place while the next is read.
        let prepared = wave_orders
            .iter()
            .map(|(_, order, not_before)| {
                let request = Request {
                    category: order.category,
                    specification_code: order.specification_code.clone(),
                    area: order.area_code.clone(),
                    person: person.clone(),
                    required_by: order.required_by,
                    not_before: *not_before,
                    // A new order: no provider has refused it.
                    excluded_listings: Default::default(),
                    continuing: continuing.clone(),
                };
                crate::placement::prepare_approved(conn, order, request, now)
            })
            .collect::<Result<Vec<_>, _>>()?;
        for ((i, order, _), prepared) in wave_orders.iter().zip(prepared) {
            let placed = crate::placement::place_order_prepared(
                conn, actor, order, prepared, settings, now,
            )?;
            start[*i] = Some(sequence::earlier_start(placed.starts_on, order.required_by));
            done[*i] = true;
        }
    }
    Ok((created, Some(Known { person, continuing })))
}

fn new_order(
    actor: &Actor,
    plan: &PlanRow,
    item: &PlanItemRow,
    required_by: NaiveDate,
    now: DateTime<Utc>,
) -> OrderRow {
    OrderRow {
        id: provider_hub_store::new_id("ord"),
        plan_id: plan.id.clone(),
        plan_item_id: item.id.clone(),
        crn: plan.crn.clone(),
        area_code: plan.area_code.clone(),
        category: item.category,
        specification_code: item.specification_code.clone(),
        required_by,
        status: OrderStatus::Open,
        created_by: actor.sub.clone(),
        created_at: naive(now),
        updated_at: naive(now),
        listing_id: None,
        provider_id: None,
        price_pence: None,
        starts_on: None,
        explanation: None,
        cancel_reason: None,
        actual_start: None,
        outcome: None,
        budget_approved_by: None,
        list_price_pence: None,
        multiplier_bps: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str, status: OrderStatus) -> OrderRow {
        let at = Utc::now().naive_utc();
        OrderRow {
            id: id.into(),
            plan_id: "plan".into(),
            plan_item_id: format!("item_{id}"),
            crn: "X1".into(),
            area_code: "SY-SHF".into(),
            category: provider_hub_domain::Category::UnpaidWork,
            specification_code: None,
            required_by: NaiveDate::MIN,
            status,
            created_by: "om".into(),
            created_at: at,
            updated_at: at,
            listing_id: None,
            provider_id: None,
            price_pence: None,
            starts_on: None,
            explanation: None,
            cancel_reason: None,
            actual_start: None,
            outcome: None,
            budget_approved_by: None,
            list_price_pence: None,
            multiplier_bps: None,
        }
    }

    #[test]
    fn an_ending_is_confirmed_only_for_an_order_the_revision_proposes() {
        let ends = [
            order("o1", OrderStatus::Accepted),
            order("o2", OrderStatus::InDelivery),
        ];
        let ask = |ids: &[&str]| Confirmation {
            end_orders: ids.iter().map(|s| (*s).to_owned()).collect(),
        };
        let both = confirmed_endings(&ends, &ask(&["o2", "o1"])).expect("both may end");
        assert_eq!(
            both.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
            ["o2", "o1"]
        );
        let ok = confirmed_endings(&ends, &ask(&["o1", "o1"])).expect("o1 may end");
        assert_eq!(ok.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["o1"]);
        assert!(confirmed_endings(&ends, &ask(&[]))
            .expect("none")
            .is_empty());
        for bad in [&["o3"][..], &["o1", "o9"]] {
            assert!(confirmed_endings(&ends, &ask(bad)).is_err(), "{bad:?}");
        }
    }
}
