//! Providers, accreditation and the quality threshold: admin registers providers, the
//! quality team accredits, suspends, reinstates and revokes them and sets the threshold.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::category::Category;
use provider_hub_domain::performance::{adjusted_score, Evidence};
use provider_hub_domain::provider::{
    self, Contact, IllegalStandingChange, NewAccreditation, NewProvider, ProviderStatus, Sector,
    Standing,
};
use provider_hub_domain::Scope;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::performance;
use provider_hub_store::providers::{self as store, AccreditationRow, ProviderRow};
use provider_hub_store::{write_transaction, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller};
use crate::change::{transition_of, Audit, Subject};
use crate::placement::Settings;
use crate::{naive, Actor, Error};
use provider_hub_store::to_utc;

/// One assessment of a provider for a category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccreditationView {
    pub id: String,
    pub category: Category,
    pub score: u8,
    pub assessed_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub notes: String,
    pub recorded_at: DateTime<Utc>,
    /// False once a newer assessment for the same category was recorded.
    pub current: bool,
    /// Whether it makes the provider a member today, at today's threshold.
    pub qualifies_today: bool,
    /// The performance-adjusted quality score: this score blended with what the
    /// provider's orders in the category went on to do, weighted by how many there are
    /// (see the README, "Adjusted quality scores"). What `best_value` ranks by.
    #[schema(minimum = 0, maximum = 100)]
    pub adjusted_score: u8,
    /// The provider's orders in the category that the adjusted score rests on.
    pub evidence: Evidence,
}

/// A provider, with its membership as of today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: String,
    pub name: String,
    pub sector: Sector,
    pub registration_number: String,
    pub contact: Contact,
    /// `applicant`, `member` (of at least one category today), `suspended` or `revoked`.
    pub status: ProviderStatus,
    /// Why it was last suspended, reinstated or revoked.
    pub standing_reason: Option<String>,
    /// Categories it is a member for today.
    pub member_categories: Vec<Category>,
    /// Every assessment, newest first.
    pub accreditations: Vec<AccreditationView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The quality threshold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdView {
    /// The lowest accreditation score that makes a member, 0–100.
    pub threshold: u8,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A new threshold.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetThreshold {
    #[schema(minimum = 0, maximum = 100)]
    pub threshold: i64,
}

/// Why the quality team changes a provider's standing.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandingChange {
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

fn view(
    row: ProviderRow,
    accreditations: &[AccreditationRow],
    evidence: &BTreeMap<(String, Category), Evidence>,
    threshold: u8,
    today: NaiveDate,
) -> Result<ProviderView, Error> {
    let standing = row.standing;
    let domain: Vec<provider::Accreditation> = accreditations
        .iter()
        .map(AccreditationRow::to_domain)
        .collect::<Result<_, _>>()?;
    let member_categories = provider::member_categories(standing, &domain, threshold, today);
    let sector = row.sector;
    let accreditations = accreditations
        .iter()
        .zip(&domain)
        .map(|(r, a)| {
            let evidence = evidence
                .get(&(row.id.clone(), a.category))
                .copied()
                .unwrap_or_default();
            AccreditationView {
                adjusted_score: adjusted_score(a.score, &evidence),
                evidence,
                id: r.id.clone(),
                category: a.category,
                score: a.score,
                assessed_on: a.assessed_on,
                expires_on: a.expires_on,
                notes: r.notes.clone(),
                recorded_at: to_utc(r.recorded_at),
                current: !a.superseded,
                qualifies_today: standing == Standing::Active && a.qualifies(threshold, today),
            }
        })
        .collect();
    Ok(ProviderView {
        status: provider::status(standing, !member_categories.is_empty()),
        id: row.id,
        name: row.name,
        sector,
        registration_number: row.registration_number,
        contact: Contact {
            name: row.contact_name,
            email: row.contact_email,
            phone: row.contact_phone,
        },
        standing_reason: row.standing_reason,
        member_categories,
        accreditations,
        created_at: to_utc(row.created_at),
        updated_at: to_utc(row.updated_at),
    })
}

/// Loads one provider as the caller may see it: a provider sees only itself.
fn load(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
    today: NaiveDate,
) -> Result<ProviderView, Error> {
    if access::only_provider(scope).is_some_and(|own| own != id) {
        return Err(Error::NotFound(format!("provider {id}")));
    }
    let row = store::find(conn, id)?.ok_or_else(|| Error::NotFound(format!("provider {id}")))?;
    let accreditations = store::accreditations_of(conn, std::slice::from_ref(&row.id))?;
    let evidence = performance::evidence(conn, std::slice::from_ref(&row.id), None)?;
    let (threshold, _, _) = store::threshold(conn)?;
    view(row, &accreditations, &evidence, threshold, today)
}

/// Admin registers a provider; it starts as an applicant.
pub fn register(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewProvider,
    now: DateTime<Utc>,
) -> Result<ProviderView, Error> {
    new.validate()?;
    write_transaction(conn, |conn| {
        let number = new.registration_number.trim().to_owned();
        if store::find_by_registration(conn, &number)?.is_some() {
            return Err(Error::conflict(
                format!("a provider with registration number {number} is already registered"),
                None,
            ));
        }
        let row = ProviderRow {
            id: provider_hub_store::new_id("prv"),
            name: new.name.trim().to_owned(),
            sector: new.sector,
            registration_number: number,
            contact_name: new.contact.name.trim().to_owned(),
            contact_email: new.contact.email.trim().to_owned(),
            contact_phone: new.contact.phone.map(|p| p.trim().to_owned()),
            standing: Standing::Active,
            standing_reason: None,
            created_at: naive(now),
            updated_at: naive(now),
        };
        store::insert(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "provider.registered",
            entity_type: "provider",
            entity_id: &row.id,
            before: None,
            after: serde_json::to_value(&row).ok(),
            at: naive(now),
        });
        load(conn, &Scope::Hub, &row.id, now.date_naive())
    })
}

pub fn get(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
    now: DateTime<Utc>,
) -> Result<ProviderView, Error> {
    load(conn, scope, id, now.date_naive())
}

/// Providers in id order; a provider sees only itself.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    after: Option<String>,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Page<ProviderView>, Error> {
    let only = access::only_provider(scope);
    let page = store::list(conn, only, after, limit)?;
    let ids: Vec<String> = page.items.iter().map(|p| p.id.clone()).collect();
    let mut by_provider: HashMap<String, Vec<AccreditationRow>> = HashMap::new();
    for a in store::accreditations_of(conn, &ids)? {
        by_provider
            .entry(a.provider_id.clone())
            .or_default()
            .push(a);
    }
    let evidence = performance::evidence(conn, &ids, None)?;
    let (threshold, _, _) = store::threshold(conn)?;
    let today = now.date_naive();
    page.try_map(|row| {
        let accreditations = by_provider.remove(&row.id).unwrap_or_default();
        view(row, &accreditations, &evidence, threshold, today)
    })
}

/// The quality team records an assessment; it supersedes the provider's previous one
/// for the category.
pub fn accredit(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    new: NewAccreditation,
    now: DateTime<Utc>,
) -> Result<ProviderView, Error> {
    new.validate(now.date_naive())?;
    write_transaction(conn, |conn| {
        let provider = store::find(conn, provider_id)?
            .ok_or_else(|| Error::NotFound(format!("provider {provider_id}")))?;
        if provider.standing == Standing::Revoked {
            return Err(Error::conflict(
                "a revoked provider cannot be accredited",
                Some(ProviderStatus::Revoked.as_str()),
            ));
        }
        let row = AccreditationRow {
            id: provider_hub_store::new_id("acc"),
            provider_id: provider_id.to_owned(),
            category: new.category,
            score: i32::from(new.score),
            assessed_on: new.assessed_on,
            expires_on: new.expires_on,
            notes: new.notes,
            recorded_at: naive(now),
            recorded_by: actor.sub.clone(),
            superseded_at: None,
        };
        store::insert_accreditation(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "provider.accredited",
            entity_type: "provider",
            entity_id: provider_id,
            before: None,
            after: serde_json::to_value(&row).ok(),
            at: naive(now),
        });
        crate::placement::market_changed(conn, Some(new.category), "provider accredited", now)?;
        load(conn, &Scope::Hub, provider_id, now.date_naive())
    })
}

/// Suspends, reinstates or revokes a provider, with a reason. Suspension and revocation
/// withdraw its pending offers (and revocation takes back the orders it accepted but has
/// not started), matching each order again at once, in the same transaction
/// ([`crate::standing`]).
pub fn change_standing(
    conn: &mut DbConn,
    caller: &Caller,
    provider_id: &str,
    change: StandingChange,
    rule: fn(Standing) -> Result<Standing, IllegalStandingChange>,
    action: &str,
    settings: Settings,
) -> Result<ProviderView, Error> {
    let (actor, now) = (&caller.actor, caller.now);
    let reason = change.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::invalid(
            "reason",
            "must be 1-2000 characters, not all spaces",
        ));
    }
    write_transaction(conn, |conn| {
        let before = store::find(conn, provider_id)?
            .ok_or_else(|| Error::NotFound(format!("provider {provider_id}")))?;
        let subject = Subject {
            entity_type: "provider",
            id: provider_id,
            status: before.standing,
        };
        let to = transition_of(
            conn,
            subject,
            |standing| Ok(rule(standing)?),
            |conn, from, to| {
                Ok(store::set_standing(
                    conn,
                    provider_id,
                    from,
                    to,
                    &reason,
                    naive(now),
                )?)
            },
            |conn| {
                store::find(conn, provider_id)
                    .ok()
                    .flatten()
                    .map(|p| p.standing)
            },
            |_, from, to| {
                let entry = Audit {
                    actor,
                    action,
                    before: Some(
                        serde_json::json!({ "standing": from, "reason": before.standing_reason }),
                    ),
                    after: Some(serde_json::json!({ "standing": to, "reason": reason })),
                    now,
                };
                Ok((entry, to))
            },
        )?;
        if to == Standing::Active {
            crate::placement::market_changed(conn, None, "provider reinstated", now)?;
        }
        crate::standing::standing_changed(conn, actor, provider_id, to, &reason, settings, now)?;
        load(conn, &Scope::Hub, provider_id, now.date_naive())
    })
}

pub fn threshold(conn: &mut DbConn) -> Result<ThresholdView, Error> {
    let (threshold, at, by) = store::threshold(conn)?;
    Ok(ThresholdView {
        threshold,
        updated_at: to_utc(at),
        updated_by: by,
    })
}

/// Sets the threshold; membership everywhere follows at once.
pub fn set_threshold(
    conn: &mut DbConn,
    actor: &Actor,
    set: SetThreshold,
    now: DateTime<Utc>,
) -> Result<ThresholdView, Error> {
    let value = provider::parse_threshold(set.threshold)?;
    write_transaction(conn, |conn| {
        let (before, _, _) = store::threshold(conn)?;
        store::set_threshold(conn, value, &actor.sub, naive(now))?;
        conn.audit(AuditEntry {
            actor,
            action: "quality_threshold.set",
            entity_type: "quality_threshold",
            entity_id: "1",
            before: Some(serde_json::json!({ "threshold": before })),
            after: Some(serde_json::json!({ "threshold": value })),
            at: naive(now),
        });
        if value < before {
            crate::placement::market_changed(conn, None, "quality threshold lowered", now)?;
        }
        threshold(conn)
    })
}
