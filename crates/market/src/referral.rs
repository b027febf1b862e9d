//! The referral pack (SPEC.md §2): what the provider that accepted an order reads about
//! the person — the requirement, the needs it addresses with their severity, the risk of
//! serious harm, the offender manager's contact and notes for delivery — with every read
//! recorded. The offender manager sets the contact and the notes and sees the reads.

use chrono::{DateTime, Utc};
use provider_hub_domain::assessment::{NeedScore, Requirement};
use provider_hub_domain::need::Need;
use provider_hub_domain::referral::{self, check_notes, Contact, ReferralPack};
use provider_hub_domain::Role;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::referral::{self as store, ContactRow, NotesRow, PackReadRow};
use provider_hub_store::{assessments, cases, plans, to_utc, write_transaction, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::{naive, Error};

/// The notes for delivery an offender manager sets on an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralNotes {
    /// Accessibility, an interpreter, anything delivery needs; empty clears them.
    #[schema(
        max_length = 2000,
        example = "Needs a ground-floor room; Polish interpreter"
    )]
    pub notes: String,
}

/// One read of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PackRead {
    /// Who read it (the token's subject).
    pub reader: String,
    pub provider_id: String,
    pub read_at: DateTime<Utc>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::corrupt(what, e)
}

/// The order, if an offender manager of its area is calling; to anyone else it does not
/// exist (another area), or the role may not (403).
fn managed_order(conn: &mut DbConn, caller: &Caller, order_id: &str) -> Result<OrderRow, Error> {
    caller.require(&[Role::OffenderManager])?;
    order_store::find(conn, order_id)?
        .filter(|o| access::acts_for_area(&caller.scope, &o.area_code))
        .ok_or_else(|| Error::NotFound(format!("order {order_id}")))
}

/// The pack of an order the calling provider accepted, recording the read. Another
/// provider's order, or one whose offer is still pending, does not exist for it; once the
/// order has ended and its payments are settled the pack is no longer readable (409).
pub fn read(conn: &mut DbConn, caller: &Caller, order_id: &str) -> Result<ReferralPack, Error> {
    let provider = access::own_provider(caller.role, &caller.scope)?.to_owned();
    let not_found = || Error::NotFound(format!("order {order_id}"));
    let order = order_store::find(conn, order_id)?
        .filter(|o| o.provider_id.as_deref() == Some(provider.as_str()))
        .ok_or_else(not_found)?;
    if !referral::readable(order.status, false) {
        // Offered, or taken back: not (or no longer) this provider's to deliver.
        return Err(not_found());
    }
    if !referral::readable(
        order.status,
        referral::settled(order.status, order.outcome.is_some()),
    ) {
        return Err(Error::conflict(
            "the order has ended and its payments are settled: its referral pack is closed",
            Some(order.status.as_str()),
        ));
    }
    let plan = plans::find(conn, &order.plan_id)?
        .ok_or_else(|| corrupt("orders.plan_id", "no such plan"))?;
    let item = plans::items(conn, &order.plan_id)?
        .into_iter()
        .find(|i| i.id == order.plan_item_id)
        .ok_or_else(|| corrupt("orders.plan_item_id", "no such item"))?;
    let assessment = assessments::find(conn, &plan.assessment_id)?
        .ok_or_else(|| corrupt("sentence_plans.assessment_id", "no such assessment"))?;
    let requirement: Option<Requirement> = item
        .requirement
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| corrupt("plan_items.requirement", e))?;
    let addressed: Vec<Need> =
        serde_json::from_str(&item.needs).map_err(|e| corrupt("plan_items.needs", e))?;
    let scored: Vec<NeedScore> =
        serde_json::from_str(&assessment.needs).map_err(|e| corrupt("assessments.needs", e))?;
    let contact = match store::contact(conn, &order.crn)? {
        Some(c) => Contact {
            name: c.name,
            email: c.email,
            phone: c.phone,
        },
        // No contact set yet: the offender manager who approved the plan.
        None => Contact {
            name: plan.approved_by.clone().unwrap_or(order.created_by.clone()),
            email: None,
            phone: None,
        },
    };
    let notes = store::notes(conn, &order.id)?.map(|n| n.notes);
    let pack = referral::pack(
        requirement,
        &addressed,
        &scored,
        assessment.risk_of_serious_harm,
        contact,
        notes,
    );
    let read = PackReadRow {
        id: provider_hub_store::new_id("prd"),
        order_id: order.id.clone(),
        provider_id: provider,
        reader_sub: caller.actor.sub.clone(),
        read_at: naive(caller.now),
    };
    write_transaction(conn, |conn| {
        Ok::<_, Error>(store::record_read(conn, &read)?)
    })?;
    Ok(pack)
}

/// Sets the notes for delivery on an order of the caller's area (an offender manager);
/// the provider reads them in the pack.
pub fn set_notes(
    conn: &mut DbConn,
    caller: &Caller,
    order_id: &str,
    asked: ReferralNotes,
) -> Result<ReferralNotes, Error> {
    let order = managed_order(conn, caller, order_id)?;
    check_notes(&asked.notes).map_err(|e| Error::invalid("notes", e))?;
    let row = NotesRow {
        order_id: order.id.clone(),
        notes: asked.notes.clone(),
        updated_at: naive(caller.now),
        updated_by: caller.actor.sub.clone(),
    };
    write_transaction(conn, |conn| {
        store::set_notes(conn, &row)?;
        conn.audit(AuditEntry {
            actor: &caller.actor,
            action: "referral_notes.set",
            entity_type: "order",
            entity_id: &order.id,
            before: None,
            after: Some(serde_json::json!({ "notes": row.notes })),
            at: naive(caller.now),
        });
        Ok::<_, Error>(())
    })?;
    Ok(asked)
}

/// Sets how the provider reaches the offender manager of a case of the caller's area.
pub fn set_contact(
    conn: &mut DbConn,
    caller: &Caller,
    crn: &str,
    contact: Contact,
) -> Result<Contact, Error> {
    caller.require(&[Role::OffenderManager])?;
    let case = cases::find(conn, crn)?
        .filter(|c| {
            access::may_read(
                caller.role,
                &caller.scope,
                Objects::Cases,
                &c.area_code,
                None,
            )
        })
        .ok_or_else(|| Error::NotFound(format!("case {crn}")))?;
    contact.check()?;
    let contact = Contact {
        name: contact.name.trim().to_owned(),
        email: contact.email.map(|e| e.trim().to_owned()),
        phone: contact.phone.map(|p| p.trim().to_owned()),
    };
    let row = ContactRow {
        crn: case.crn.clone(),
        name: contact.name.clone(),
        email: contact.email.clone(),
        phone: contact.phone.clone(),
        updated_at: naive(caller.now),
        updated_by: caller.actor.sub.clone(),
    };
    write_transaction(conn, |conn| {
        store::set_contact(conn, &row)?;
        conn.audit(AuditEntry {
            actor: &caller.actor,
            action: "case_contact.set",
            entity_type: "case",
            entity_id: &case.crn,
            before: None,
            after: serde_json::to_value(&contact).ok(),
            at: naive(caller.now),
        });
        Ok::<_, Error>(())
    })?;
    Ok(contact)
}

/// The contact set on a case of the caller's area, if any.
pub fn contact(conn: &mut DbConn, caller: &Caller, crn: &str) -> Result<Option<Contact>, Error> {
    caller.require(&[Role::OffenderManager])?;
    cases::find(conn, crn)?
        .filter(|c| {
            access::may_read(
                caller.role,
                &caller.scope,
                Objects::Cases,
                &c.area_code,
                None,
            )
        })
        .ok_or_else(|| Error::NotFound(format!("case {crn}")))?;
    Ok(store::contact(conn, crn)?.map(|c| Contact {
        name: c.name,
        email: c.email,
        phone: c.phone,
    }))
}

/// Who read an order's pack and when, oldest first (an offender manager of its area).
pub fn reads(conn: &mut DbConn, caller: &Caller, order_id: &str) -> Result<Vec<PackRead>, Error> {
    let order = managed_order(conn, caller, order_id)?;
    Ok(store::reads(conn, &order.id, 500)?
        .into_iter()
        .map(|r| PackRead {
            reader: r.reader_sub,
            provider_id: r.provider_id,
            read_at: to_utc(r.read_at),
        })
        .collect())
}

/// The notes for delivery set on an order of the caller's area, if any.
pub fn notes(conn: &mut DbConn, caller: &Caller, order_id: &str) -> Result<Option<String>, Error> {
    let order = managed_order(conn, caller, order_id)?;
    Ok(store::notes(conn, &order.id)?.map(|n| n.notes))
}
