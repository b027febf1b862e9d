//! The market as the matching engine sees it: listings of a category with their
//! specifications, providers, accreditations and free places, read in a few indexed
//! queries and turned into `provider_hub_matching` data.

use std::collections::HashMap;

use chrono::NaiveDate;
use provider_hub_domain::listing::{EligibilityNarrowing, ListingStatus};
use provider_hub_domain::specification::{Eligibility, PaymentModel, SpecificationStatus};
use provider_hub_domain::Category;
use provider_hub_matching::{Listing, Market, Slot};
use provider_hub_store::listings::{self, MarketListing};
use provider_hub_store::DbConn;
use provider_hub_store::{performance, providers};

use crate::Error;

/// Listings of `category` on the market (serving `area`, when given), with places
/// starting in `[today, until]`.
pub fn load(
    conn: &mut DbConn,
    category: Category,
    area: Option<&str>,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Listing>, Error> {
    let rows = listings::on_market(conn, category.as_str(), area, today, until)?;
    let mut provider_ids: Vec<String> = rows.iter().map(|r| r.provider_id.clone()).collect();
    provider_ids.sort();
    provider_ids.dedup();
    // The evidence behind each provider's adjusted score: one grouped read.
    let evidence = performance::evidence(conn, &provider_ids, Some(category))?;
    let mut accreditations: HashMap<String, Vec<_>> = HashMap::new();
    for row in providers::accreditations_of(conn, &provider_ids)? {
        if row.category == category && row.superseded_at.is_none() {
            accreditations
                .entry(row.provider_id.clone())
                .or_default()
                .push(row.to_domain()?);
        }
    }
    rows.into_iter()
        .map(|row| {
            let found = evidence
                .get(&(row.provider_id.clone(), category))
                .copied()
                .unwrap_or_default();
            listing(row, category, &accreditations).map(|l| Listing {
                evidence: found,
                ..l
            })
        })
        .collect()
}

fn listing(
    row: MarketListing,
    category: Category,
    accreditations: &HashMap<String, Vec<provider_hub_domain::provider::Accreditation>>,
) -> Result<Listing, Error> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        Error::corrupt(&format!("listing {} {what}", row.id), e)
    };
    let spec: Eligibility = serde_json::from_str(&row.specification_eligibility)
        .map_err(|e| corrupt("specification eligibility", &e))?;
    let model: PaymentModel = serde_json::from_str(&row.specification_payment_model)
        .map_err(|e| corrupt("specification payment model", &e))?;
    let narrowing: EligibilityNarrowing =
        serde_json::from_str(&row.eligibility).map_err(|e| corrupt("eligibility", &e))?;
    Ok(Listing {
        published: row.status == ListingStatus::Published,
        specification_published: row.specification_status == SpecificationStatus::Published,
        category,
        eligibility: (&narrowing.apply_to(&spec)).into(),
        provider_standing: row.provider_standing,
        accreditations: accreditations
            .get(&row.provider_id)
            .cloned()
            .unwrap_or_default(),
        slots: row
            .free_slots
            .iter()
            .map(|(starts_on, free)| Slot {
                starts_on: *starts_on,
                free: u32::try_from(*free).unwrap_or(0),
            })
            .collect(),
        id: row.id,
        provider_id: row.provider_id,
        specification_code: row.specification_code,
        areas: row.areas.iter().map(|a| a.as_str().into()).collect(),
        price_pence: row.price_pence,
        price_cap_pence: row.price_cap_pence,
        multipliers: model.multipliers,
        evidence: Default::default(),
    })
}

/// Today's market conditions: the date and the quality threshold.
pub fn market(conn: &mut DbConn, today: NaiveDate) -> Result<Market, Error> {
    let (threshold, _, _) = providers::threshold(conn)?;
    Ok(Market { today, threshold })
}

/// How many listings of `category` on the market do not serve `area` (not loaded for a
/// placement there; the explanation counts them under the area rule).
pub fn elsewhere(conn: &mut DbConn, category: Category, area: &str) -> Result<u32, Error> {
    Ok(listings::on_market_elsewhere(
        conn,
        category.as_str(),
        area,
    )?)
}
