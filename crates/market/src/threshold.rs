//! The quality threshold's preview: which providers would stop (or start) being members
//! of which categories, and which listings would leave search, were the threshold moved
//! to a new value. Membership is judged by the rule itself
//! ([`provider_hub_domain::provider::member_categories`]) and the listings by the
//! search's own query, so the preview says what saving would do; it changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use provider_hub_domain::category::Category;
use provider_hub_domain::listing::ListingStatus;
use provider_hub_domain::provider::{self, Accreditation};
use provider_hub_store::listings::{self as listing_store, ListingFilter, Visibility};
use provider_hub_store::providers::{self as store, AccreditationRow, ProviderRow};
use provider_hub_store::DbConn;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{Error, MAX_PAGE};

/// What moving the threshold would change today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdPreview {
    /// The threshold in force.
    pub current: u8,
    /// The threshold previewed.
    pub proposed: u8,
    /// The categories whose members would change, in category order.
    pub categories: Vec<CategoryPreview>,
    /// Listings searches show today that they would no longer show.
    pub listings_leaving_search: Vec<PreviewListing>,
}

/// One category's change of members.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryPreview {
    pub category: Category,
    /// Members today that would fall below the proposed threshold.
    pub leaving: Vec<PreviewProvider>,
    /// Providers that would become members (the threshold lowered).
    pub joining: Vec<PreviewProvider>,
}

/// A provider whose membership of a category would change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewProvider {
    pub id: String,
    pub name: String,
    /// The score of its current accreditation for the category.
    pub score: u8,
}

/// A listing that would leave search.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewListing {
    pub id: String,
    pub title: String,
    pub provider_id: String,
    pub provider_name: String,
    pub category: Category,
    pub specification_code: String,
    pub specification_version: i32,
}

/// Every provider with its accreditations, in id order.
fn providers_with_accreditations(
    conn: &mut DbConn,
) -> Result<Vec<(ProviderRow, Vec<Accreditation>)>, Error> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store::list(conn, None, after, MAX_PAGE)?;
        let ids: Vec<String> = page.items.iter().map(|p| p.id.clone()).collect();
        let mut by_provider: BTreeMap<String, Vec<Accreditation>> = BTreeMap::new();
        for a in store::accreditations_of(conn, &ids)? {
            by_provider
                .entry(a.provider_id.clone())
                .or_default()
                .push(AccreditationRow::to_domain(&a)?);
        }
        after = page.items.last().map(|p| p.id.clone());
        let more = page.next.is_some();
        for row in page.items {
            let accreditations = by_provider.remove(&row.id).unwrap_or_default();
            out.push((row, accreditations));
        }
        if !more {
            return Ok(out);
        }
    }
}

/// The score of the provider's current accreditation for `category`.
fn current_score(accreditations: &[Accreditation], category: Category) -> u8 {
    accreditations
        .iter()
        .filter(|a| a.category == category && !a.superseded)
        .max_by_key(|a| (a.assessed_on, a.expires_on))
        .map_or(0, |a| a.score)
}

/// What setting the threshold to `threshold` (0–100) would change today; an invalid
/// value is refused as the setting would be.
pub fn preview(
    conn: &mut DbConn,
    threshold: i64,
    now: DateTime<Utc>,
) -> Result<ThresholdPreview, Error> {
    let proposed = provider::parse_threshold(threshold)?;
    let (current, _, _) = store::threshold(conn)?;
    let today = now.date_naive();
    let mut categories: BTreeMap<Category, CategoryPreview> = BTreeMap::new();
    let mut leaving_pairs = Vec::new();
    for (row, accreditations) in providers_with_accreditations(conn)? {
        let standing = row.standing;
        let before = provider::member_categories(standing, &accreditations, current, today);
        let after = provider::member_categories(standing, &accreditations, proposed, today);
        for category in Category::ALL.iter().copied() {
            let (was, will) = (before.contains(&category), after.contains(&category));
            if was == will {
                continue;
            }
            let who = PreviewProvider {
                id: row.id.clone(),
                name: row.name.clone(),
                score: current_score(&accreditations, category),
            };
            let entry = categories
                .entry(category)
                .or_insert_with(|| CategoryPreview {
                    category,
                    leaving: Vec::new(),
                    joining: Vec::new(),
                });
            if was {
                entry.leaving.push(who);
                leaving_pairs.push((row.id.clone(), row.name.clone(), category));
            } else {
                entry.joining.push(who);
            }
        }
    }
    let mut listings_leaving_search = Vec::new();
    for (provider_id, provider_name, category) in leaving_pairs {
        // The listings searches show today: the search's own membership query.
        let filter = ListingFilter {
            provider_id: Some(provider_id.clone()),
            category: Some(category.as_str().to_owned()),
            status: Some(ListingStatus::Published),
            ..ListingFilter::default()
        };
        let visible = Visibility::PublishedOfMembers { on: today };
        let mut after = None;
        loop {
            let page = listing_store::search(conn, &filter, &visible, after, MAX_PAGE)?;
            after = page.items.last().map(|l| l.id.clone());
            let more = page.next.is_some();
            listings_leaving_search.extend(page.items.into_iter().map(|l| PreviewListing {
                id: l.id,
                title: l.title,
                provider_id: provider_id.clone(),
                provider_name: provider_name.clone(),
                category,
                specification_code: l.specification_code,
                specification_version: l.specification_version,
            }));
            if !more {
                break;
            }
        }
    }
    listings_leaving_search.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(ThresholdPreview {
        current,
        proposed,
        categories: categories.into_values().collect(),
        listings_leaving_search,
    })
}
