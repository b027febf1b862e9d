//! Areas' matching policies, set by commissioners.

use chrono::{DateTime, Utc};
use provider_hub_domain::area::PolicyKind;
use provider_hub_domain::ValidationErrors;
use provider_hub_matching::Weights;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::matching::{self as store, PolicyRow};
use provider_hub_store::{areas, to_utc, write_transaction, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{naive, Actor, Error};

/// An area's policy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyView {
    pub area: String,
    pub policy: PolicyKind,
    /// `best_value` only: the cost of a placement is
    /// `price × price_pence + quality × (100 − adjusted quality score) + days × days to start`,
    /// less `continuity_pence` for a provider already working with the person in the same
    /// or a related category.
    pub weights: Option<Weights>,
    /// Absent while the default (`best_price`) applies.
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

/// A commissioner's setting of an area's policy.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPolicy {
    pub policy: PolicyKind,
    /// Required for `best_value`, refused for `best_price`.
    #[serde(default)]
    pub weights: Option<Weights>,
}

impl SetPolicy {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match (self.policy, &self.weights) {
            (PolicyKind::BestPrice, Some(_)) => errors.add("weights", "apply only to best_value"),
            (PolicyKind::BestValue, None) => errors.add("weights", "are required for best_value"),
            (PolicyKind::BestValue, Some(w)) => {
                if w.price > 100 {
                    errors.add("weights.price", "must be 0-100");
                }
                if w.quality > 1_000_000 {
                    errors.add("weights.quality", "must be 0-1000000");
                }
                if w.days > 1_000_000 {
                    errors.add("weights.days", "must be 0-1000000");
                }
                if w.continuity_pence > 1_000_000 {
                    errors.add("weights.continuity_pence", "must be 0-1000000 pence");
                }
                if w.price == 0 && w.quality == 0 && w.days == 0 {
                    errors.add("weights", "at least one weight must be above 0");
                }
            }
            (PolicyKind::BestPrice, None) => {}
        }
        errors.into_result()
    }
}

fn area_exists(conn: &mut DbConn, area: &str) -> Result<(), Error> {
    areas::find(conn, area)?
        .map(|_| ())
        .ok_or_else(|| Error::NotFound(format!("area {area}")))
}

fn view(area: &str, row: Option<PolicyRow>) -> Result<PolicyView, Error> {
    let Some(row) = row else {
        return Ok(PolicyView {
            area: area.to_owned(),
            policy: PolicyKind::BestPrice,
            weights: None,
            updated_at: None,
            updated_by: None,
        });
    };
    let policy = row.policy;
    let weight = |w: i32| u32::try_from(w).map_err(|e| Error::corrupt("area_policies weight", e));
    Ok(PolicyView {
        area: row.area_code,
        weights: match policy {
            PolicyKind::BestPrice => None,
            PolicyKind::BestValue => Some(Weights {
                price: weight(row.price_weight)?,
                quality: weight(row.quality_weight)?,
                days: weight(row.days_weight)?,
                continuity_pence: weight(row.continuity_pence)?,
            }),
        },
        policy,
        updated_at: Some(to_utc(row.updated_at)),
        updated_by: Some(row.updated_by),
    })
}

pub fn get(conn: &mut DbConn, area: &str) -> Result<PolicyView, Error> {
    area_exists(conn, area)?;
    let row = store::policy(conn, area)?;
    view(area, row)
}

/// Sets an area's policy; orders placed from now on are chosen by it.
pub fn set(
    conn: &mut DbConn,
    actor: &Actor,
    area: &str,
    setting: SetPolicy,
    now: DateTime<Utc>,
) -> Result<PolicyView, Error> {
    setting.validate()?;
    write_transaction(conn, |conn| {
        area_exists(conn, area)?;
        let before = store::policy(conn, area)?;
        let w = setting.weights.unwrap_or(Weights {
            price: 1,
            quality: 0,
            days: 0,
            continuity_pence: provider_hub_matching::DEFAULT_CONTINUITY_PENCE,
        });
        let to_i32 =
            |v: u32| i32::try_from(v).map_err(|e| Error::invalid("weights", e.to_string()));
        let row = PolicyRow {
            area_code: area.to_owned(),
            policy: setting.policy,
            price_weight: to_i32(w.price)?,
            quality_weight: to_i32(w.quality)?,
            days_weight: to_i32(w.days)?,
            continuity_pence: to_i32(w.continuity_pence)?,
            updated_at: naive(now),
            updated_by: actor.sub.clone(),
        };
        store::set_policy(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "area.policy_set",
            entity_type: "area",
            entity_id: area,
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&row).ok(),
            at: naive(now),
        });
        view(area, Some(row))
    })
}
