//! The market as the matching engine sees it: listings of a category with their
//! specifications, providers, accreditations and free places, read in a few indexed
//! queries and turned into `provider_hub_matching` data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::NaiveDate;
use provider_hub_domain::area::PolicyKind;
use provider_hub_domain::listing::{EligibilityNarrowing, ListingStatus};
use provider_hub_domain::specification::{Eligibility, PaymentModel, SpecificationStatus};
use provider_hub_domain::Category;
use provider_hub_matching::{Listing, Market, Policy, Slot, Weights};
use provider_hub_store::listings::{self, MarketListing};
use provider_hub_store::DbConn;
use provider_hub_store::{capacity, matching, performance, providers, supply};

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
    let unplaced = unplaced(conn, category, area)?;
    placed(conn, &unplaced, category, today, until)
}

/// The listings of `category` (serving `area`, when given) as only a change of the
/// supply's version changes them: no free places, no evidence. With the ids of their
/// providers, in order.
fn unplaced(
    conn: &mut DbConn,
    category: Category,
    area: Option<&str>,
) -> Result<(Vec<Listing>, Vec<String>), Error> {
    let rows = listings::on_market_unplaced(conn, category.as_str(), area)?;
    let mut provider_ids: Vec<String> = rows.iter().map(|r| r.provider_id.clone()).collect();
    provider_ids.sort();
    provider_ids.dedup();
    let mut accreditations: HashMap<String, Vec<_>> = HashMap::new();
    for row in providers::accreditations_of(conn, &provider_ids)? {
        if row.category == category && row.superseded_at.is_none() {
            accreditations
                .entry(row.provider_id.clone())
                .or_default()
                .push(row.to_domain()?);
        }
    }
    let listings = rows
        .into_iter()
        .map(|row| listing(row, category, &accreditations))
        .collect::<Result<_, _>>()?;
    Ok((listings, provider_ids))
}

/// The listings with what changes as orders are placed and delivered read now: their
/// free places starting in `[today, until]`, and the evidence behind each provider's
/// adjusted score (one grouped read).
fn placed(
    conn: &mut DbConn,
    (unplaced, provider_ids): &(Vec<Listing>, Vec<String>),
    category: Category,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Listing>, Error> {
    let ids: Vec<String> = unplaced.iter().map(|l| l.id.clone()).collect();
    let mut slots: HashMap<String, Vec<Slot>> = HashMap::new();
    if !ids.is_empty() && today <= until {
        for (listing_id, starts_on, free) in capacity::free_between(conn, &ids, today, until)? {
            slots.entry(listing_id).or_default().push(Slot {
                starts_on,
                free: u32::try_from(free).unwrap_or(0),
            });
        }
    }
    let evidence = performance::evidence(conn, provider_ids, Some(category))?;
    Ok(unplaced
        .iter()
        .map(|l| Listing {
            slots: slots.remove(&l.id).unwrap_or_default(),
            evidence: evidence
                .get(&(l.provider_id.clone(), category))
                .copied()
                .unwrap_or_default(),
            ..l.clone()
        })
        .collect())
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
        slots: Vec::new(),
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

/// The area's policy; `best_price` where none is set.
pub fn policy_of(conn: &mut DbConn, area: &str) -> Result<Policy, Error> {
    Ok(match matching::policy(conn, area)? {
        None => Policy::BestPrice,
        Some(row) if row.policy == PolicyKind::BestPrice => Policy::BestPrice,
        Some(row) => {
            let weight =
                |w: i32| u32::try_from(w).map_err(|e| Error::corrupt("area_policies weight", e));
            Policy::BestValue(Weights {
                price: weight(row.price_weight)?,
                quality: weight(row.quality_weight)?,
                days: weight(row.days_weight)?,
                continuity_pence: weight(row.continuity_pence)?,
            })
        }
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

/// What a placement or a quote in an area chooses from: today's market conditions, the
/// listings serving the area with their free places, how many do not serve it, and the
/// area's policy.
pub struct AreaSupply {
    pub market: Market,
    pub listings: Vec<Listing>,
    pub elsewhere: u32,
    pub policy: Policy,
}

/// [`market`], [`load`], [`elsewhere`] and [`policy_of`] for one area, with what only a
/// change of the supply's version changes (the listings, their specifications,
/// providers and accreditations, the quality threshold, the areas' policies) kept per
/// database for its newest version: reading the version is one statement, where reading
/// all that is six. Free places and the evidence behind adjusted scores are read every
/// time.
///
/// For a caller whose transaction, if it is in one, changes nothing of the supply (an
/// approval, a plan's costing): the version moves on only when such a change commits, so
/// a transaction's own change would not be seen.
pub fn in_area(
    conn: &mut DbConn,
    category: Category,
    area: &str,
    today: NaiveDate,
    until: NaiveDate,
) -> Result<AreaSupply, Error> {
    let at = supply::version_of(conn)?;
    let key = (category, area.to_owned());
    let found = kept()
        .get(&at.database)
        .and_then(|k| k.of(at.version, &key));
    let unplaced = match found {
        Some(unplaced) => unplaced,
        None => {
            let (threshold, _, _) = providers::threshold(conn)?;
            let unplaced = Arc::new(Unplaced {
                threshold,
                listings: unplaced(conn, category, Some(area))?,
                elsewhere: listings::on_market_elsewhere(conn, category.as_str(), area)?,
                policy: policy_of(conn, area)?,
            });
            // Kept only if no change to the supply committed while it was read: then it
            // is the supply as it stood at that version.
            if supply::version_of(conn)? == at {
                keep(at, key, Arc::clone(&unplaced));
            }
            unplaced
        }
    };
    Ok(AreaSupply {
        market: Market {
            today,
            threshold: unplaced.threshold,
        },
        listings: placed(conn, &unplaced.listings, category, today, until)?,
        elsewhere: unplaced.elsewhere,
        policy: unplaced.policy,
    })
}

/// An area's supply as only a change of the supply's version changes it.
struct Unplaced {
    threshold: u8,
    listings: (Vec<Listing>, Vec<String>),
    elsewhere: u32,
    policy: Policy,
}

/// The areas' supply kept for one database, at one version.
#[derive(Default)]
struct Kept {
    version: i64,
    areas: HashMap<(Category, String), Arc<Unplaced>>,
}

impl Kept {
    fn of(&self, version: i64, key: &(Category, String)) -> Option<Arc<Unplaced>> {
        (self.version == version)
            .then(|| self.areas.get(key).cloned())
            .flatten()
    }
}

/// Databases whose supply is kept, at most (the tests use many; a hub one).
const KEPT_DATABASES: usize = 16;

/// The supply kept by this process, per database.
fn kept() -> MutexGuard<'static, HashMap<String, Kept>> {
    static KEPT: OnceLock<Mutex<HashMap<String, Kept>>> = OnceLock::new();
    KEPT.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Keeps an area's supply read at `at`: a newer version drops what an older one kept; an
/// older one keeps nothing. An in-memory database (no name to tell it by) is not kept.
fn keep(at: supply::VersionOf, key: (Category, String), unplaced: Arc<Unplaced>) {
    if at.database.is_empty() {
        return;
    }
    let mut kept = kept();
    if !kept.contains_key(&at.database) && kept.len() >= KEPT_DATABASES {
        kept.clear();
    }
    let of_database = kept.entry(at.database).or_default();
    if at.version < of_database.version {
        return;
    }
    if at.version > of_database.version {
        *of_database = Kept {
            version: at.version,
            areas: HashMap::new(),
        };
    }
    of_database.areas.insert(key, unplaced);
}
