//! The costed sentence plan: made when an assessment is countersigned, costed from the
//! current market whenever it is read, and approved by an offender manager of the area,
//! which creates one intervention order per item in the same transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::assessment::{NeedScore, Requirement};
use provider_hub_domain::plan::{self as rules, LeadTimes, PlanStatus, LEAD_TIME_DAYS};
use provider_hub_domain::revision::Proposal;
use provider_hub_domain::{Category, Role, Scope};
use provider_hub_matching::{quote, Continuing, Person, Policy, Request};
use provider_hub_store::assessments::AssessmentRow;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::orders as order_store;
use provider_hub_store::plans::{self as store, PlanItemRow, PlanRow};
use provider_hub_store::{to_utc, write_transaction, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::read_model::assessments;
use crate::read_model::names::SpecificationRef;
pub use crate::read_model::plans::PlanItem;
use crate::revisions::{self, RevisionLineView, SequenceStep};
use crate::{naive, supply, Actor, Error};

/// One category's lead time: days from the sentence date to the latest start.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadTimeView {
    pub category: Category,
    pub days: u32,
    /// The documented default for the category.
    pub default_days: u32,
    /// When and by whom it was set; absent while the default applies.
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

/// A commissioner's setting of one category's lead time.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLeadTime {
    #[schema(minimum = 1, maximum = 365)]
    pub days: u32,
}

/// Every category's lead time, in category order.
pub fn lead_times(conn: &mut DbConn) -> Result<Vec<LeadTimeView>, Error> {
    let set: BTreeMap<String, (i32, chrono::NaiveDateTime, String)> = store::lead_times(conn)?
        .into_iter()
        .map(|(c, d, at, by)| (c, (d, at, by)))
        .collect();
    Category::ALL
        .iter()
        .map(|category| {
            let default_days = LeadTimes::default_days(*category);
            Ok(match set.get(category.as_str()) {
                Some((days, at, by)) => LeadTimeView {
                    category: *category,
                    days: u32::try_from(*days).map_err(|e| Error::corrupt("lead_times.days", e))?,
                    default_days,
                    updated_at: Some(to_utc(*at)),
                    updated_by: Some(by.clone()),
                },
                None => LeadTimeView {
                    category: *category,
                    days: default_days,
                    default_days,
                    updated_at: None,
                    updated_by: None,
                },
            })
        })
        .collect()
}

pub(crate) fn current_lead_times(conn: &mut DbConn) -> Result<LeadTimes, Error> {
    Ok(LeadTimes::with(
        lead_times(conn)?.into_iter().map(|l| (l.category, l.days)),
    ))
}

/// Sets one category's lead time for plans made from now on.
pub fn set_lead_time(
    conn: &mut DbConn,
    actor: &Actor,
    category: Category,
    setting: SetLeadTime,
    now: DateTime<Utc>,
) -> Result<LeadTimeView, Error> {
    if !LEAD_TIME_DAYS.contains(&setting.days) {
        return Err(Error::invalid(
            "days",
            format!(
                "must be {}-{}",
                LEAD_TIME_DAYS.start(),
                LEAD_TIME_DAYS.end()
            ),
        ));
    }
    write_transaction(conn, |conn| {
        let before = lead_times(conn)?
            .into_iter()
            .find(|l| l.category == category)
            .map(|l| l.days);
        let days = i32::try_from(setting.days).map_err(|e| Error::corrupt("days", e))?;
        store::set_lead_time(conn, category.as_str(), days, &actor.sub, naive(now))?;
        conn.audit(AuditEntry {
            actor,
            action: "lead_time.set",
            entity_type: "lead_time",
            entity_id: category.as_str(),
            before: before.map(|d| serde_json::json!({ "days": d })),
            after: Some(serde_json::json!({ "days": setting.days })),
            at: naive(now),
        });
        lead_times(conn)?
            .into_iter()
            .find(|l| l.category == category)
            .ok_or_else(|| Error::corrupt("lead_times", "the setting did not read back"))
    })
}

/// Makes the plan of a just-approved assessment, in the caller's transaction.
pub(crate) fn create_for(
    conn: &mut Tx<'_>,
    actor: &Actor,
    assessment: &AssessmentRow,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let needs: Vec<NeedScore> = serde_json::from_str(&assessment.needs)
        .map_err(|e| Error::corrupt("assessments.needs", e))?;
    let requirements: Vec<Requirement> = serde_json::from_str(&assessment.requirements)
        .map_err(|e| Error::corrupt("assessments.requirements", e))?;
    let items = rules::plan_items(
        &needs,
        &requirements,
        assessment.sentence_date,
        now.date_naive(),
        &current_lead_times(conn)?,
    );
    // A person with a plan already gets a revision of their latest one.
    let revises_plan_id = store::of_person(conn, &assessment.crn)?
        .into_iter()
        .rev()
        .find(|p| p.superseded_by.is_none() && p.status == PlanStatus::Approved)
        .map(|p| p.id);
    let plan = PlanRow {
        id: provider_hub_store::new_id("plan"),
        assessment_id: assessment.id.clone(),
        crn: assessment.crn.clone(),
        area_code: assessment.area_code.clone(),
        status: PlanStatus::Proposed,
        created_at: naive(now),
        approved_at: None,
        approved_by: None,
        revises_plan_id,
        superseded_by: None,
        review_on: None,
        sequence: "[]".into(),
    };
    let rows = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Ok(PlanItemRow {
                id: provider_hub_store::new_id("item"),
                plan_id: plan.id.clone(),
                position: i32::try_from(i + 1).map_err(|e| Error::corrupt("position", e))?,
                category: item.category,
                specification_code: item.specification_code.as_ref().map(|c| c.to_string()),
                requirement: item
                    .requirement
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|e| Error::corrupt("requirement", e))?,
                needs: serde_json::to_string(&item.needs)
                    .map_err(|e| Error::corrupt("needs", e))?,
                priority: i32::from(item.priority),
                required_by: item.required_by,
                lead_time_days: i32::try_from(item.lead_time_days)
                    .map_err(|e| Error::corrupt("lead_time_days", e))?,
                late: item.late,
                set_aside: None,
                set_aside_reason: None,
                not_before: None,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    store::insert(conn, &plan, &rows)?;
    conn.audit(AuditEntry {
        actor,
        action: "sentence_plan.created",
        entity_type: "sentence_plan",
        entity_id: &plan.id,
        before: None,
        after: Some(serde_json::json!({ "plan": plan, "items": rows })),
        at: naive(now),
    });
    Ok(())
}

/// The best current match for an item: a quote only, no place is held.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Quote {
    pub listing_id: String,
    /// The listing's title, beside its id.
    pub listing_title: String,
    pub provider_id: String,
    /// The provider's name, beside its id.
    pub provider_name: String,
    /// The specification version the listing delivers to.
    pub specification: Option<SpecificationRef>,
    /// What the person would pay: the listing's price × their multiplier.
    pub price_pence: i64,
    /// The listing's own price.
    pub list_price_pence: i64,
    /// The person's price multiplier by risk tier and risk of serious harm, in basis
    /// points (10000 = ×1.00).
    pub multiplier_bps: u32,
    /// The provider's accreditation score for the category.
    pub quality_score: u8,
    /// The earliest start date with a free place.
    pub starts_on: NaiveDate,
}

/// A plan item with its cost today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostedItem {
    #[serde(flatten)]
    pub item: PlanItem,
    /// The best current match, if there is one.
    pub quote: Option<Quote>,
    /// Why no provider could be matched today, when `quote` is absent.
    pub no_provider: Option<String>,
    /// The order the approval created for this item.
    pub order_id: Option<String>,
}

/// A costed sentence plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    pub id: String,
    pub assessment_id: String,
    #[schema(example = "X123456")]
    pub crn: String,
    pub area: String,
    pub status: PlanStatus,
    pub items: Vec<CostedItem>,
    /// The sum of the quoted prices of the items approving buys (or bought): kept and
    /// set-aside items are not in it.
    pub total_pence: i64,
    /// How many items to buy have no provider today (not in the total).
    pub unpriced_items: u32,
    /// The day the quotes are for.
    pub costed_on: NaiveDate,
    /// The policy the quotes chose by.
    pub policy: String,
    pub created_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    /// The person's earlier plan this one revises, if they had one when it was made.
    pub revises_plan_id: Option<String>,
    /// The later plan of the person approved since, if any: this one is no longer active.
    pub superseded_by: Option<String>,
    /// When the approved plan is due for review.
    pub review_on: Option<NaiveDate>,
    /// The offender manager's sequence: each step's item starts after the other.
    pub sequence: Vec<SequenceStep>,
    /// While the plan is proposed: each item compared with what is already bought for
    /// the person (`keep` or `buy`), then the running orders no item needs (`end`).
    /// Approving buys only the `buy` lines not set aside, and ends the `end` lines the
    /// approval confirms. Empty once approved.
    pub revision: Vec<RevisionLineView>,
}

/// A plan is seen by whoever may read its case's area; to anyone else it does not exist.
fn visible_plan(
    role: Role,
    scope: &Scope,
    plan: Option<PlanRow>,
    what: &str,
) -> Result<PlanRow, Error> {
    plan.filter(|p| access::may_read(role, scope, Objects::Cases, &p.area_code, None))
        .ok_or_else(|| Error::NotFound(what.to_owned()))
}

/// The plan `plan_id` if the caller may see it; not found otherwise.
pub(crate) fn visible(conn: &mut DbConn, caller: &Caller, plan_id: &str) -> Result<PlanRow, Error> {
    let found = store::find(conn, plan_id)?;
    visible_plan(
        caller.role,
        &caller.scope,
        found,
        &format!("sentence plan {plan_id}"),
    )
}

/// The costed sentence plan `plan_id`, if the caller may read it.
pub fn view(conn: &mut DbConn, caller: &Caller, plan_id: &str) -> Result<PlanView, Error> {
    let plan = visible(conn, caller, plan_id)?;
    costed(conn, plan, caller.now)
}

/// Not found unless the caller may see the plan (before an answer about it is replayed).
pub fn ensure_visible(conn: &mut DbConn, caller: &Caller, plan_id: &str) -> Result<(), Error> {
    let (role, scope) = (caller.role, &caller.scope);
    let found = store::find(conn, plan_id)?;
    visible_plan(role, scope, found, &format!("sentence plan {plan_id}")).map(|_| ())
}

/// Costs a plan against today's market and shows it.
pub(crate) fn costed(
    conn: &mut DbConn,
    plan: PlanRow,
    now: DateTime<Utc>,
) -> Result<PlanView, Error> {
    costed_knowing(conn, plan, None, now)
}

/// What costing a plan reads of its person, when the caller has it in hand: the person
/// as eligibility sees them, and the orders providers deliver for them.
pub(crate) struct Known {
    pub(crate) person: Person,
    pub(crate) continuing: Vec<Continuing>,
}

/// [`costed`], with the person `known` to the caller rather than read again.
pub(crate) fn costed_knowing(
    conn: &mut DbConn,
    plan: PlanRow,
    known: Option<Known>,
    now: DateTime<Utc>,
) -> Result<PlanView, Error> {
    let today = now.date_naive();
    let (person, continuing) = match known {
        Some(known) => (known.person, known.continuing),
        None => (
            crate::placement::person_of(conn, &plan.assessment_id, &plan.crn)?,
            // The person's orders with providers already, for the continuity principle.
            crate::placement::continuing_of(conn, std::slice::from_ref(&plan.crn))?
                .remove(&plan.crn)
                .unwrap_or_default(),
        ),
    };
    let rows = store::items(conn, &plan.id)?;
    let revision = if plan.status == PlanStatus::Proposed {
        revisions::lines(conn, &plan, &rows)?
    } else {
        Vec::new()
    };
    let sequence = revisions::sequence_of(&plan)?;
    let items = rows
        .into_iter()
        .map(PlanItem::from_row)
        .collect::<Result<Vec<_>, Error>>()?;
    let order_of: BTreeMap<String, String> = order_store::of_plan(conn, &plan.id)?
        .into_iter()
        .map(|o| (o.plan_item_id, o.id))
        .collect();
    // One load of the market per category, covering the latest required-by date.
    let mut by_category: BTreeMap<Category, NaiveDate> = BTreeMap::new();
    for item in &items {
        let until = by_category.entry(item.category).or_insert(item.required_by);
        *until = (*until).max(item.required_by);
    }
    let mut loaded = BTreeMap::new();
    for (category, until) in by_category {
        let supply = supply::in_area(conn, category, &plan.area_code, today, until)?;
        loaded.insert(category, supply);
    }
    // The area's policy comes with its supply; read alone for a plan with no item.
    let policy = match loaded.values().next() {
        Some(supply) => supply.policy,
        None => supply::policy_of(conn, &plan.area_code)?,
    };
    let mut total_pence = 0i64;
    let mut unpriced_items = 0u32;
    let mut costed_items: Vec<CostedItem> = items
        .into_iter()
        .map(|item| {
            let request = Request {
                category: item.category,
                specification_code: item.specification_code.clone(),
                area: plan.area_code.clone(),
                person: person.clone(),
                required_by: item.required_by,
                not_before: item.not_before,
                excluded_listings: Default::default(),
                continuing: continuing.clone(),
            };
            let supply = loaded.get(&item.category).ok_or_else(|| {
                Error::corrupt("plan_items.category", "its category's supply was not read")
            })?;
            let explanation = quote(&request, &supply.listings, &supply.market, policy)
                .with_elsewhere(supply.elsewhere, &request);
            let quote = explanation.chosen.map(|c| Quote {
                listing_id: c.listing_id,
                provider_id: c.provider_id,
                // Named below, once for every item.
                listing_title: String::new(),
                provider_name: String::new(),
                specification: None,
                price_pence: c.price_pence,
                list_price_pence: c.list_price_pence.unwrap_or(c.price_pence),
                multiplier_bps: c.multiplier_bps,
                quality_score: c.quality_score,
                starts_on: c.starts_on,
            });
            // The total is what approving buys (or bought): not what is kept or set aside.
            let buys = if plan.status == PlanStatus::Proposed {
                item.set_aside.is_none()
                    && revision.iter().any(|l| {
                        l.item_id.as_ref() == Some(&item.id) && l.proposal == Proposal::Buy
                    })
            } else {
                order_of.contains_key(&item.id)
            };
            match &quote {
                Some(q) if buys => total_pence += q.price_pence,
                None if buys => unpriced_items += 1,
                _ => {}
            }
            Ok(CostedItem {
                order_id: order_of.get(&item.id).cloned(),
                item,
                no_provider: if quote.is_none() {
                    explanation.no_candidate_reason
                } else {
                    None
                },
                quote,
            })
        })
        .collect::<Result<_, Error>>()?;
    let quoted: Vec<String> = costed_items
        .iter()
        .filter_map(|c| c.quote.as_ref().map(|q| q.listing_id.clone()))
        .collect();
    let names = provider_hub_store::names::of_listings(conn, &quoted)?;
    for quote in costed_items.iter_mut().filter_map(|c| c.quote.as_mut()) {
        if let Some(named) = names.get(&quote.listing_id) {
            quote.listing_title = named.listing_title.clone();
            quote.provider_name = named.provider_name.clone();
            quote.specification = Some(SpecificationRef::of(named));
        }
    }
    Ok(PlanView {
        status: plan.status,
        id: plan.id,
        assessment_id: plan.assessment_id,
        crn: plan.crn,
        area: plan.area_code,
        items: costed_items,
        total_pence,
        unpriced_items,
        costed_on: today,
        policy: policy_name(policy).to_owned(),
        created_at: to_utc(plan.created_at),
        approved_at: plan.approved_at.map(to_utc),
        approved_by: plan.approved_by,
        revises_plan_id: plan.revises_plan_id,
        superseded_by: plan.superseded_by,
        review_on: plan.review_on,
        sequence,
        revision,
    })
}

pub(crate) fn policy_name(policy: Policy) -> &'static str {
    match policy {
        Policy::BestPrice => "best_price",
        Policy::BestValue(_) => "best_value",
    }
}

/// The costed sentence plan of an approved assessment the caller may read.
pub fn for_assessment(
    conn: &mut DbConn,
    caller: &Caller,
    assessment_id: &str,
) -> Result<PlanView, Error> {
    let (role, scope, now) = (caller.role, &caller.scope, caller.now);
    let assessment = assessments::get(conn, caller, assessment_id)?;
    let found = store::find_by_assessment(conn, assessment_id)?;
    let what = format!(
        "sentence plan of assessment {assessment_id} (an assessment has one once it is approved; this one is {})",
        assessment.status
    );
    let plan = visible_plan(role, scope, found, &what)?;
    costed(conn, plan, now)
}

pub use crate::approval::{Confirmation, PlanApproval};

/// Approves a proposed plan, confirming no ending (see [`crate::approval::approve`]).
pub fn approve(
    conn: &mut DbConn,
    caller: &Caller,
    plan_id: &str,
    settings: crate::placement::Settings,
) -> Result<PlanApproval, Error> {
    crate::approval::approve(conn, caller, plan_id, Confirmation::default(), settings)
}
