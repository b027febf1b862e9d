//! Plan revisions (SPEC.md §2, "Plan revision"): a plan is compared, item by item, with
//! every order already bought for its person (`revision::revise`), so that approving it
//! buys only what is not already ordered or delivered and proposes ending what is no
//! longer needed. A person's first plan compares with nothing and buys every item.
//! And the plans due for review.

use chrono::NaiveDate;
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::plan::PlannedItem;
use provider_hub_domain::revision::{self, Bought, Proposal, SetAside};
use provider_hub_domain::sequence::After;
use provider_hub_domain::specification::SpecCode;
use provider_hub_domain::{Category, Role, Scope};
use provider_hub_store::cursor::Page;
use provider_hub_store::orders::OrderRow;
use provider_hub_store::plans::{self as store, PlanItemRow, PlanRow};
use provider_hub_store::{to_utc, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::Error;

/// One line of a plan's revision, as the offender manager reviews it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionLineView {
    /// `keep`: already ordered or delivered, not bought again; `buy`: bought when the
    /// plan is approved (unless set aside); `end`: an order no item needs any more,
    /// ended only if the approval confirms it.
    pub proposal: Proposal,
    pub category: Category,
    /// The plan item (none on an `end` line).
    pub item_id: Option<String>,
    /// The order kept or proposed for ending (none on a `buy` line).
    pub order_id: Option<String>,
    /// That order's status.
    pub order_status: Option<OrderStatus>,
    /// The item is removed or deferred: a `buy` line set aside buys nothing.
    pub set_aside: Option<SetAside>,
}

/// "Item `item` starts after item `after`", by plan item ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SequenceStep {
    pub item: String,
    pub after: String,
}

/// What a plan's items are compared with: per item (in plan order) the order that
/// already answers it, if any; and the running orders no item needs any more.
pub(crate) struct Comparison {
    pub kept: Vec<Option<OrderRow>>,
    pub ends: Vec<OrderRow>,
}

pub(crate) fn set_aside_of(item: &PlanItemRow) -> Result<Option<SetAside>, Error> {
    item.set_aside
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| Error::corrupt("plan_items.set_aside", e))
}

fn planned(item: &PlanItemRow) -> Result<PlannedItem, Error> {
    Ok(PlannedItem {
        category: item.category,
        specification_code: item
            .specification_code
            .as_deref()
            .map(SpecCode::parse)
            .transpose()
            .map_err(|e| Error::corrupt("plan_items.specification_code", e))?,
        requirement: None,
        needs: Vec::new(),
        priority: u8::try_from(item.priority).unwrap_or(3),
        required_by: item.required_by,
        lead_time_days: u32::try_from(item.lead_time_days).unwrap_or(0),
        late: item.late,
    })
}

/// Compares the plan's items (all but those removed) with the orders bought for the
/// person by other plans.
pub(crate) fn compare(
    conn: &mut DbConn,
    plan: &PlanRow,
    items: &[PlanItemRow],
) -> Result<Comparison, Error> {
    let orders: Vec<OrderRow> = store::orders_of_person(conn, &plan.crn)?
        .into_iter()
        .filter(|o| o.plan_id != plan.id)
        .collect();
    let bought: Vec<Bought> = orders
        .iter()
        .map(|o| Bought {
            order_id: o.id.clone(),
            category: o.category,
            specification_code: o
                .specification_code
                .as_deref()
                .and_then(|c| SpecCode::parse(c).ok()),
            status: o.status,
        })
        .collect();
    let mut needed_at = Vec::new();
    let mut needed = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if set_aside_of(item)? != Some(SetAside::Removed) {
            needed_at.push(i);
            needed.push(planned(item)?);
        }
    }
    let lines = revision::revise(&bought, &needed);
    let order = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| orders.iter().find(|o| &o.id == id))
            .cloned()
    };
    let mut kept = vec![None; items.len()];
    let mut ends = Vec::new();
    // One line per needed item, in order, then the orders to end.
    for (k, line) in lines.iter().enumerate() {
        match line.proposal {
            Proposal::Keep => kept[needed_at[k]] = order(&line.order_id),
            Proposal::Buy => {}
            Proposal::End => ends.extend(order(&line.order_id)),
        }
    }
    Ok(Comparison { kept, ends })
}

/// The revision lines of a proposed plan: one per item (removed ones too, shown set
/// aside), then one per order proposed for ending.
pub(crate) fn lines(
    conn: &mut DbConn,
    plan: &PlanRow,
    items: &[PlanItemRow],
) -> Result<Vec<RevisionLineView>, Error> {
    let comparison = compare(conn, plan, items)?;
    let mut lines = Vec::with_capacity(items.len() + comparison.ends.len());
    for (item, kept) in items.iter().zip(&comparison.kept) {
        lines.push(RevisionLineView {
            proposal: if kept.is_some() {
                Proposal::Keep
            } else {
                Proposal::Buy
            },
            category: item.category,
            item_id: Some(item.id.clone()),
            order_id: kept.as_ref().map(|o| o.id.clone()),
            order_status: kept.as_ref().map(|o| o.status),
            set_aside: set_aside_of(item)?,
        });
    }
    for order in &comparison.ends {
        lines.push(RevisionLineView {
            proposal: Proposal::End,
            category: order.category,
            item_id: None,
            order_id: Some(order.id.clone()),
            order_status: Some(order.status),
            set_aside: None,
        });
    }
    Ok(lines)
}

/// A plan's stored sequence.
pub(crate) fn sequence_of(plan: &PlanRow) -> Result<Vec<SequenceStep>, Error> {
    serde_json::from_str(&plan.sequence).map_err(|e| Error::corrupt("sentence_plans.sequence", e))
}

/// The sequence by item positions (from 0), for the domain's rules; an id not among the
/// items is `None`.
pub(crate) fn by_position(
    steps: &[SequenceStep],
    items: &[PlanItemRow],
) -> Vec<(Option<usize>, Option<usize>)> {
    let at = |id: &str| items.iter().position(|i| i.id == id);
    steps.iter().map(|s| (at(&s.item), at(&s.after))).collect()
}

/// The sequence as the domain's constraints (ids not among the items left out).
pub(crate) fn constraints(steps: &[SequenceStep], items: &[PlanItemRow]) -> Vec<After> {
    by_position(steps, items)
        .into_iter()
        .filter_map(|(item, after)| {
            Some(After {
                item: item?,
                after: after?,
            })
        })
        .collect()
}

/// An approved plan due for review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanDue {
    pub id: String,
    pub assessment_id: String,
    #[schema(example = "X123456")]
    pub crn: String,
    pub area: String,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub approved_by: Option<String>,
    /// The day it is due for review.
    pub review_on: NaiveDate,
}

/// Approved plans, not since revised, due for review on or before `on`, soonest first:
/// an offender manager's own area's (asking for another area is refused), the quality
/// team's and commissioners' of `area` or of every area.
pub fn due_for_review(
    conn: &mut DbConn,
    caller: &Caller,
    area: Option<String>,
    on: NaiveDate,
    after: Option<(NaiveDate, String)>,
    limit: usize,
) -> Result<Page<PlanDue>, Error> {
    let area = match (caller.role, &caller.scope) {
        (Role::OffenderManager, Scope::Area(own)) => {
            if area.as_deref().is_some_and(|a| a != own.as_str()) {
                return Err(Error::Forbidden(
                    "an offender manager sees the plans of their own area only".into(),
                ));
            }
            Some(own.as_str().to_owned())
        }
        (Role::Quality | Role::Commissioner, _) => area,
        (role, _) => {
            return Err(Error::Forbidden(format!(
                "the {role} role does not review sentence plans"
            )))
        }
    };
    let limit = limit.clamp(1, crate::MAX_PAGE);
    let rows = store::due_for_review(
        conn,
        area.as_deref(),
        on,
        after,
        i64::try_from(limit + 1).unwrap_or(i64::MAX),
    )?;
    let page = Page::from_rows(rows, limit, |p| (p.review_on, p.id.clone()));
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|p| PlanDue {
                review_on: p.review_on.unwrap_or(on),
                id: p.id,
                assessment_id: p.assessment_id,
                crn: p.crn,
                area: p.area_code,
                approved_at: p.approved_at.map(to_utc),
                approved_by: p.approved_by,
            })
            .collect(),
        next: page.next,
    })
}
