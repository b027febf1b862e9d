//! The single assessment: an offender manager submits it; a different offender manager
//! of the same area countersigns (approves) or rejects it.

use chrono::{DateTime, Utc};
use provider_hub_domain::assessment::{AssessmentStatus, DecisionRefusal, NewAssessment};
use provider_hub_store::assessments::{self as store, AssessmentRow};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::{write_transaction, DbConn, Tx};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::access::Caller;
use crate::change::{transition_of, Audit, Subject};
use crate::read_model::assessments::{corrupt, view, visible};
pub use crate::read_model::assessments::{get, list, AssessmentView};
use crate::{cases, naive, Actor, Error};

/// A countersignature's refusal, with its reason.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AssessmentRefusal)]
pub struct Decision {
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// The same content hashes the same whatever the order of keys it arrived in.
fn content_hash(new: &NewAssessment) -> String {
    let canonical = serde_json::to_value(new)
        .map(|v| v.to_string())
        .unwrap_or_default();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Records an assessment as a draft. The same `external_ref` with the same content returns
/// the existing assessment (`false`: nothing created); with other content it is refused.
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    new: NewAssessment,
) -> Result<(AssessmentView, bool), Error> {
    let (actor, now) = (&caller.actor, caller.now);
    let person = cases::get(conn, caller, new.crn.as_str()).map_err(|e| match e {
        Error::NotFound(_) => Error::invalid("crn", "there is no case with this crn in your area"),
        other => other,
    })?;
    new.validate(now.date_naive(), person.date_of_birth)?;
    let hash = content_hash(&new);
    let existing = |conn: &mut DbConn| -> Result<Option<AssessmentView>, Error> {
        match store::find_by_external_ref(conn, new.external_ref.trim())? {
            Some(row) if row.content_hash == hash && row.area_code == person.area => {
                Ok(Some(view(row)?))
            }
            Some(_) => Err(Error::conflict(
                format!(
                    "external_ref {} is already recorded with different content",
                    new.external_ref.trim()
                ),
                None,
            )),
            None => Ok(None),
        }
    };
    let outcome = write_transaction(conn, |conn| {
        if let Some(found) = existing(conn)? {
            return Ok((found, false));
        }
        let row = AssessmentRow {
            id: provider_hub_store::new_id("asm"),
            external_ref: new.external_ref.trim().to_owned(),
            crn: person.crn.clone(),
            area_code: person.area.clone(),
            status: AssessmentStatus::Draft,
            tier: i32::from(new.tier),
            risk_of_serious_harm: new.risk_of_serious_harm,
            reoffending_probability: i32::from(new.reoffending_probability),
            needs: serde_json::to_string(&new.needs).map_err(|e| corrupt("needs", e))?,
            requirements: serde_json::to_string(&new.requirements)
                .map_err(|e| corrupt("requirements", e))?,
            sentence_date: new.sentence_date,
            content_hash: hash.clone(),
            author_sub: actor.sub.clone(),
            decided_by: None,
            decision_reason: None,
            created_at: naive(now),
            updated_at: naive(now),
            submitted_at: None,
            decided_at: None,
            court_code: new.court.as_ref().map(|c| c.as_str().to_owned()),
        };
        store::insert(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "assessment.recorded",
            entity_type: "assessment",
            entity_id: &row.id,
            before: None,
            after: serde_json::to_value(&row).ok(),
            at: naive(now),
        });
        Ok((view(row)?, true))
    });
    match outcome {
        // The same ref recorded concurrently: answer as if it had been there first.
        Err(Error::Conflict { .. }) => match existing(conn)? {
            Some(found) => Ok((found, false)),
            None => outcome,
        },
        other => other,
    }
}

/// The audit row of an assessment's transition: its status before, and after its status,
/// who decided it and why.
fn audited<'a>(
    actor: &'a Actor,
    action: &'a str,
    before: &AssessmentRow,
    after: &AssessmentRow,
    now: DateTime<Utc>,
) -> Audit<'a> {
    Audit {
        actor,
        action,
        before: Some(serde_json::json!({ "status": before.status })),
        after: Some(serde_json::json!({
            "status": after.status, "decided_by": after.decided_by, "reason": after.decision_reason
        })),
        now,
    }
}

/// Submits a draft for countersignature.
pub fn submit(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<AssessmentView, Error> {
    let (actor, role, scope, now) = (&caller.actor, caller.role, &caller.scope, caller.now);
    write_transaction(conn, |conn| {
        let before = visible(conn, role, scope, id)?;
        let after = transition_of(
            conn,
            subject(&before),
            |status| Ok(status.submit()?),
            |conn, _, _| Ok(store::submit(conn, id, naive(now))?),
            |conn| current(conn, caller, id),
            |conn, _, _| {
                let after = visible(conn, role, scope, id)?;
                let entry = audited(actor, "assessment.submitted", &before, &after, now);
                Ok((entry, after))
            },
        )?;
        view(after)
    })
}

fn subject(row: &AssessmentRow) -> Subject<'_, AssessmentStatus> {
    Subject {
        entity_type: "assessment",
        id: &row.id,
        status: row.status,
    }
}

/// The assessment's status now, for the conflict of a transition it lost.
fn current(conn: &mut Tx<'_>, caller: &Caller, id: &str) -> Option<AssessmentStatus> {
    visible(conn, caller.role, &caller.scope, id)
        .ok()
        .map(|a| a.status)
}

/// Countersigns (approves) or rejects a submitted assessment; never its author's own.
pub fn decide(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    approve: bool,
    decision: Decision,
) -> Result<AssessmentView, Error> {
    let (actor, role, scope, now) = (&caller.actor, caller.role, &caller.scope, caller.now);
    let reason = decision
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(Error::invalid("reason", "must be at most 2000 characters"));
    }
    let action = if approve {
        "assessment.approved"
    } else {
        "assessment.rejected"
    };
    write_transaction(conn, |conn| {
        let before = visible(conn, role, scope, id)?;
        let after = transition_of(
            conn,
            subject(&before),
            |status| {
                status.decide(approve, &before.author_sub, &actor.sub).map_err(|r| match r {
                    DecisionRefusal::OwnAssessment => Error::Forbidden(
                        "an assessment is countersigned by a different offender manager than its author".into(),
                    ),
                    DecisionRefusal::NotSubmitted(current) => Error::conflict(
                        format!("only a submitted assessment can be decided; this one is {current}"),
                        Some(current.as_str()),
                    ),
                })
            },
            |conn, _, to| {
                Ok(store::decide(
                    conn,
                    id,
                    to,
                    &actor.sub,
                    reason.as_deref(),
                    naive(now),
                )?)
            },
            |conn| current(conn, caller, id),
            |conn, _, _| {
                let after = visible(conn, role, scope, id)?;
                Ok((audited(actor, action, &before, &after, now), after))
            },
        )?;
        if approve {
            // The countersigned assessment yields its sentence plan in the same transaction.
            crate::plans::create_for(conn, actor, &after, now)?;
        }
        view(after)
    })
}
