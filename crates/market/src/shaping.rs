//! Shaping a plan before approval (SPEC.md §2, "Plan revision"; 003 ¶135): the offender
//! manager removes or defers an item with a reason, puts it back, and says that one item
//! starts after another. Only a proposed plan is shaped; each change is audited.

use provider_hub_domain::revision::{self, SetAside};
use provider_hub_domain::sequence::{self, SequenceError};
use provider_hub_domain::{Role, ValidationErrors};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::plans::{self as store, PlanRow};
use provider_hub_store::{write_transaction, DbConn, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::plans::{self, PlanView};
use crate::revisions::{self, SequenceStep};
use crate::{naive, Error};

/// Why an item is removed or deferred.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAsideReason {
    #[schema(min_length = 1, max_length = 2000, example = "housing must come first")]
    pub reason: String,
}

/// The plan's whole sequence: each step says one item starts after another. It replaces
/// the sequence set before; an empty list clears it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    pub sequence: Vec<SequenceStep>,
}

/// The proposed plan an offender manager of its area shapes, read in the transaction.
fn shapeable(conn: &mut Tx<'_>, caller: &Caller, plan_id: &str) -> Result<PlanRow, Error> {
    if caller.role != Role::OffenderManager {
        return Err(Error::Forbidden(
            "only an offender manager of the case's area shapes a sentence plan".into(),
        ));
    }
    let plan = plans::visible(conn, caller, plan_id)?;
    if plan.status != provider_hub_domain::plan::PlanStatus::Proposed {
        return Err(Error::conflict(
            "the plan is approved: only a proposed plan is shaped",
            Some(plan.status.as_str()),
        ));
    }
    Ok(plan)
}

fn not_proposed_meanwhile() -> Error {
    Error::conflict(
        "the plan was approved meanwhile; read it again",
        Some("approved"),
    )
}

/// Removes (`SetAside::Removed`) or defers an item of a proposed plan, with the reason;
/// `None` puts it back. Answers the plan as it now stands.
pub fn set_aside(
    conn: &mut DbConn,
    caller: &Caller,
    plan_id: &str,
    item_id: &str,
    kind: Option<SetAside>,
    reason: Option<SetAsideReason>,
) -> Result<PlanView, Error> {
    let reason = match (kind, reason) {
        (None, _) => None,
        (Some(_), Some(r)) => {
            Some(revision::set_aside_reason(&r.reason).map_err(|m| Error::invalid("reason", m))?)
        }
        (Some(_), None) => return Err(Error::invalid("reason", "is required")),
    };
    let (actor, now) = (&caller.actor, caller.now);
    write_transaction(conn, |conn| {
        let plan = shapeable(conn, caller, plan_id)?;
        let item = store::item(conn, item_id)?
            .filter(|i| i.plan_id == plan.id)
            .ok_or_else(|| Error::NotFound(format!("item {item_id} of sentence plan {plan_id}")))?;
        let before = revisions::set_aside_of(&item)?;
        let word = kind.map(SetAside::as_str);
        if !store::set_aside(conn, plan_id, item_id, word, reason.as_deref())? {
            return Err(not_proposed_meanwhile());
        }
        let action = match kind {
            Some(SetAside::Removed) => "sentence_plan.item_removed",
            Some(SetAside::Deferred) => "sentence_plan.item_deferred",
            None => "sentence_plan.item_restored",
        };
        conn.audit(AuditEntry {
            actor,
            action,
            entity_type: "sentence_plan",
            entity_id: plan_id,
            before: Some(serde_json::json!({
                "item_id": item_id, "set_aside": before, "reason": item.set_aside_reason
            })),
            after: Some(serde_json::json!({
                "item_id": item_id, "set_aside": word, "reason": reason
            })),
            at: naive(now),
        });
        Ok::<(), Error>(())
    })?;
    plans::view(conn, caller, plan_id)
}

/// Sets the sequence of a proposed plan. Every item named must be an item of the plan,
/// no item may follow itself and no circle is allowed: otherwise 422 with the steps at
/// fault, and nothing changes.
pub fn set_sequence(
    conn: &mut DbConn,
    caller: &Caller,
    plan_id: &str,
    asked: Sequence,
) -> Result<PlanView, Error> {
    let (actor, now) = (&caller.actor, caller.now);
    write_transaction(conn, |conn| {
        let plan = shapeable(conn, caller, plan_id)?;
        let items = store::items(conn, plan_id)?;
        let mut errors = ValidationErrors::new();
        let positions = revisions::by_position(&asked.sequence, &items);
        for (i, (step, (item, after))) in asked.sequence.iter().zip(&positions).enumerate() {
            if item.is_none() {
                errors.add(
                    format!("sequence[{i}].item"),
                    format!("{} is not an item of this plan", step.item),
                );
            }
            if after.is_none() {
                errors.add(
                    format!("sequence[{i}].after"),
                    format!("{} is not an item of this plan", step.after),
                );
            }
        }
        errors.into_result()?;
        let constraints = revisions::constraints(&asked.sequence, &items);
        if let Err(e) = sequence::start_order(items.len(), &constraints) {
            return Err(match e {
                SequenceError::SelfReference(p) => {
                    let i = constraints
                        .iter()
                        .position(|c| c.item == p && c.after == p)
                        .unwrap_or(0);
                    Error::invalid(
                        &format!("sequence[{i}]"),
                        format!("item {} cannot start after itself", items[p].id),
                    )
                }
                SequenceError::Circle(at) => Error::invalid(
                    "sequence",
                    format!(
                        "items {} would each have to start after another: a circle",
                        at.iter()
                            .map(|p| items[*p].id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                SequenceError::NoSuchItem(p) => {
                    Error::invalid("sequence", format!("the plan has no item {}", p + 1))
                }
            });
        }
        let before = revisions::sequence_of(&plan)?;
        let text =
            serde_json::to_string(&asked.sequence).map_err(|e| Error::corrupt("sequence", e))?;
        if !store::set_sequence(conn, plan_id, &text)? {
            return Err(not_proposed_meanwhile());
        }
        conn.audit(AuditEntry {
            actor,
            action: "sentence_plan.sequenced",
            entity_type: "sentence_plan",
            entity_id: plan_id,
            before: Some(serde_json::json!({ "sequence": before })),
            after: Some(serde_json::json!({ "sequence": asked.sequence })),
            at: naive(now),
        });
        Ok::<(), Error>(())
    })?;
    plans::view(conn, caller, plan_id)
}
