//! The cherry-picking report (issue 17): per provider and category, whether it takes the
//! easier cases — the share of its offers for high-tier people against the market's, its
//! declines by tier, and how much its eligibility narrows against the market. The rules
//! are `provider_hub_domain::cherry_picking`; the data `provider_hub_store::reports::
//! cherry_picking` and the market's listings.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, Utc};
use provider_hub_domain::case::age_on;
use provider_hub_domain::cherry_picking::{self as rules, is_high_tier};
use provider_hub_domain::listing::EligibilityNarrowing;
use provider_hub_domain::need::{RiskOfHarm, Sex, TIERS};
use provider_hub_domain::specification::{Admission, Eligibility};
use provider_hub_domain::Category;
use provider_hub_store::listings;
use provider_hub_store::providers;
use provider_hub_store::reports::cherry_picking::{self as store, PersonOrderRow};
use provider_hub_store::reports::ReportFilter;
use provider_hub_store::DbConn;
use serde::Serialize;
use utoipa::ToSchema;

use super::{check, ReportScope};
use crate::csv::{table, Shown, Text};
use crate::Error;

/// One risk tier's offers to a provider (or to the market) and declines.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TierDeclines {
    /// Risk tier, 1–4.
    pub tier: u8,
    pub offers: i64,
    pub declined: i64,
    /// Declined ÷ offers; null when there was no offer.
    pub decline_rate: Option<f64>,
    /// The market's decline rate for the tier in the category.
    pub market_decline_rate: Option<f64>,
}

/// One provider in one category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CherryPickingLine {
    pub provider_id: String,
    pub provider_name: String,
    pub category: Category,
    /// Offers created in the period.
    pub offers_made: i64,
    /// Of which for people in risk tier 3 or 4.
    pub high_tier_offers: i64,
    /// High-tier offers ÷ offers; null with no offer.
    pub high_tier_share: Option<f64>,
    /// The same share over every provider of the category.
    pub market_high_tier_share: Option<f64>,
    /// Its high-tier share is below half the market's, on 10 offers or more.
    pub flagged: bool,
    /// Offers and declines by the person's risk tier, tiers 1–4.
    pub declines_by_tier: Vec<TierDeclines>,
    /// Orders of the category created in the period in the areas its listings serve.
    pub orders_in_areas_served: i64,
    /// Of which its listings' eligibility admits nobody's person: none of its listings
    /// serving the order's area admits their sex, age, risk of serious harm and tier.
    pub excluded_by_eligibility: i64,
    /// Excluded ÷ orders in the areas served; null with none.
    pub excluded_share: Option<f64>,
    /// The same share pooled over every provider of the category.
    pub market_excluded_share: Option<f64>,
    /// Excluded share ÷ market excluded share (1.00: as narrow as the market; 2.00:
    /// twice as narrow); null where either is undefined or the market excludes nobody.
    pub narrowing_index: Option<f64>,
}

/// `GET /v1/reports/cherry-picking`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CherryPickingReport {
    /// Always `cherry_picking`.
    #[schema(example = "cherry_picking")]
    pub report: String,
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub scope: ReportScope,
    /// Only this provider; null: every provider.
    pub provider_id: Option<String>,
    /// One per provider and category with an offer in the period or a listing on the
    /// market, by provider name then category.
    pub rows: Vec<CherryPickingLine>,
}

/// A row of the report as CSV: one per provider and category, tiers side by side.
#[derive(Serialize, Default)]
struct CsvRow<'a> {
    provider_id: Text<'a>,
    provider_name: Text<'a>,
    category: &'a str,
    offers_made: i64,
    high_tier_offers: i64,
    high_tier_share: Shown<f64>,
    market_high_tier_share: Shown<f64>,
    flagged: bool,
    tier_1_offers: i64,
    tier_1_declined: i64,
    tier_2_offers: i64,
    tier_2_declined: i64,
    tier_3_offers: i64,
    tier_3_declined: i64,
    tier_4_offers: i64,
    tier_4_declined: i64,
    orders_in_areas_served: i64,
    excluded_by_eligibility: i64,
    excluded_share: Shown<f64>,
    market_excluded_share: Shown<f64>,
    narrowing_index: Shown<f64>,
}

/// The report's rows as CSV, with a header line.
pub fn csv(report: &CherryPickingReport) -> Result<String, Error> {
    table(report.rows.iter().map(|r| {
        let tier = |t: usize| {
            r.declines_by_tier
                .get(t)
                .map_or((0, 0), |d| (d.offers, d.declined))
        };
        CsvRow {
            provider_id: Text(&r.provider_id),
            provider_name: Text(&r.provider_name),
            category: r.category.as_str(),
            offers_made: r.offers_made,
            high_tier_offers: r.high_tier_offers,
            high_tier_share: Shown(r.high_tier_share),
            market_high_tier_share: Shown(r.market_high_tier_share),
            flagged: r.flagged,
            tier_1_offers: tier(0).0,
            tier_1_declined: tier(0).1,
            tier_2_offers: tier(1).0,
            tier_2_declined: tier(1).1,
            tier_3_offers: tier(2).0,
            tier_3_declined: tier(2).1,
            tier_4_offers: tier(3).0,
            tier_4_declined: tier(3).1,
            orders_in_areas_served: r.orders_in_areas_served,
            excluded_by_eligibility: r.excluded_by_eligibility,
            excluded_share: Shown(r.excluded_share),
            market_excluded_share: Shown(r.market_excluded_share),
            narrowing_index: Shown(r.narrowing_index),
        }
    }))
}

/// Offers and declines by tier (index tier − 1).
type ByTier = [(i64, i64); 4];

fn add(by: &mut ByTier, tier: i32, offers: i64, declined: i64) {
    if let Some(slot) = usize::try_from(tier)
        .ok()
        .and_then(|t| t.checked_sub(1))
        .and_then(|i| by.get_mut(i))
    {
        slot.0 += offers;
        slot.1 += declined;
    }
}

fn high(by: &ByTier) -> (i64, i64) {
    let offers = by.iter().map(|(o, _)| o).sum();
    let high = TIERS
        .filter(|t| is_high_tier(*t))
        .map(|t| by[usize::from(t) - 1].0)
        .sum();
    (high, offers)
}

/// A provider's listings of one category: each one's eligibility and areas.
type Served = Vec<(Admission, BTreeSet<String>)>;

/// The category's listings on the market, by provider.
fn served(
    conn: &mut DbConn,
    category: Category,
    today: chrono::NaiveDate,
) -> Result<BTreeMap<String, Served>, Error> {
    // An empty window: the listings without their free places.
    let before = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let mut by_provider: BTreeMap<String, Served> = BTreeMap::new();
    for row in listings::on_market(conn, category.as_str(), None, today, before)? {
        let corrupt = |e: serde_json::Error| Error::corrupt(&format!("listing {}", row.id), e);
        let spec: Eligibility =
            serde_json::from_str(&row.specification_eligibility).map_err(corrupt)?;
        let narrowing: EligibilityNarrowing =
            serde_json::from_str(&row.eligibility).map_err(corrupt)?;
        by_provider
            .entry(row.provider_id.clone())
            .or_default()
            .push((
                (&narrowing.apply_to(&spec)).into(),
                row.areas.into_iter().collect(),
            ));
    }
    Ok(by_provider)
}

/// (orders in the areas served, excluded by eligibility) for one provider.
fn narrowing(served: &Served, orders: &[PersonOrderRow]) -> Result<(i64, i64), Error> {
    let (mut considered, mut excluded) = (0i64, 0i64);
    for o in orders {
        let serving: Vec<&Admission> = served
            .iter()
            .filter(|(_, areas)| areas.contains(&o.area_code))
            .map(|(a, _)| a)
            .collect();
        if serving.is_empty() {
            continue;
        }
        considered += 1;
        let sex: Sex = o.sex.parse().map_err(|e| Error::corrupt("cases.sex", e))?;
        let risk: RiskOfHarm = o
            .risk_of_harm
            .parse()
            .map_err(|e| Error::corrupt("assessments.risk_of_serious_harm", e))?;
        let tier = u8::try_from(o.tier).map_err(|e| Error::corrupt("assessments.tier", e))?;
        let age = age_on(o.date_of_birth, o.created_on);
        if rules::excluded(serving, sex, age, risk, tier) {
            excluded += 1;
        }
    }
    Ok((considered, excluded))
}

/// Per provider and category: high-tier share of offers against the market's, declines
/// by tier, and the narrowing index.
pub fn cherry_picking(
    conn: &mut DbConn,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<CherryPickingReport, Error> {
    check(filter)?;
    let categories: Vec<Category> = match &filter.category {
        Some(c) => vec![c.parse().map_err(|e| Error::invalid("category", e))?],
        None => Category::ALL.to_vec(),
    };
    // Offers by (category, provider) and tier; the provider's name.
    let mut offers: BTreeMap<(Category, String), ByTier> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for r in store::offers_by_tier(conn, filter)? {
        let category: Category = r
            .category
            .parse()
            .map_err(|e| Error::corrupt("orders.category", e))?;
        add(
            offers.entry((category, r.provider_id.clone())).or_default(),
            r.tier,
            r.offers,
            r.declined,
        );
        names.insert(r.provider_id, r.provider_name);
    }
    let people = store::orders_with_people(conn, filter)?;
    let mut rows = Vec::new();
    for category in categories {
        let market_by_tier = offers.iter().filter(|((c, _), _)| *c == category).fold(
            [(0i64, 0i64); 4],
            |mut m, (_, by)| {
                for (t, (o, d)) in by.iter().enumerate() {
                    m[t].0 += o;
                    m[t].1 += d;
                }
                m
            },
        );
        let (market_high, market_offers) = high(&market_by_tier);
        let orders: Vec<PersonOrderRow> = people
            .iter()
            .filter(|o| o.category == category.as_str())
            .cloned()
            .collect();
        let listings = served(conn, category, now.date_naive())?;
        let mut providers: BTreeSet<&String> = listings.keys().collect();
        providers.extend(
            offers
                .keys()
                .filter(|(c, _)| *c == category)
                .map(|(_, p)| p),
        );
        let mut narrowed = BTreeMap::new();
        for p in &providers {
            let n = match listings.get(*p) {
                Some(served) => narrowing(served, &orders)?,
                None => (0, 0),
            };
            narrowed.insert((*p).clone(), n);
        }
        let (market_considered, market_excluded) = narrowed
            .values()
            .fold((0, 0), |(c, e), (pc, pe)| (c + pc, e + pe));
        for p in providers {
            if filter.provider_id.as_ref().is_some_and(|only| only != p) {
                continue;
            }
            let by = offers
                .get(&(category, p.clone()))
                .copied()
                .unwrap_or_default();
            let (provider_high, provider_offers) = high(&by);
            let (considered, excluded) = narrowed.get(p).copied().unwrap_or_default();
            rows.push(CherryPickingLine {
                provider_id: p.clone(),
                provider_name: names.get(p).cloned().unwrap_or_default(),
                category,
                offers_made: provider_offers,
                high_tier_offers: provider_high,
                high_tier_share: rules::share(provider_high, provider_offers),
                market_high_tier_share: rules::share(market_high, market_offers),
                flagged: rules::flagged(provider_high, provider_offers, market_high, market_offers),
                declines_by_tier: TIERS
                    .map(|t| {
                        let (o, d) = by[usize::from(t) - 1];
                        let (mo, md) = market_by_tier[usize::from(t) - 1];
                        TierDeclines {
                            tier: t,
                            offers: o,
                            declined: d,
                            decline_rate: rules::share(d, o),
                            market_decline_rate: rules::share(md, mo),
                        }
                    })
                    .collect(),
                orders_in_areas_served: considered,
                excluded_by_eligibility: excluded,
                excluded_share: rules::share(excluded, considered),
                market_excluded_share: rules::share(market_excluded, market_considered),
                narrowing_index: rules::narrowing_index(
                    excluded,
                    considered,
                    market_excluded,
                    market_considered,
                ),
            });
        }
    }
    // Names of providers with listings but no offer in the period.
    let unnamed: Vec<String> = rows
        .iter()
        .filter(|r| r.provider_name.is_empty())
        .map(|r| r.provider_id.clone())
        .collect();
    if !unnamed.is_empty() {
        names.extend(providers::names(conn, &unnamed)?);
        for r in rows.iter_mut().filter(|r| r.provider_name.is_empty()) {
            r.provider_name = names.get(&r.provider_id).cloned().unwrap_or_default();
        }
    }
    rows.sort_by(|a, b| {
        (&a.provider_name, &a.provider_id, a.category.as_str()).cmp(&(
            &b.provider_name,
            &b.provider_id,
            b.category.as_str(),
        ))
    });
    Ok(CherryPickingReport {
        report: "cherry_picking".into(),
        generated_at: now,
        scope: ReportScope::of(filter),
        provider_id: filter.provider_id.clone(),
        rows,
    })
}
