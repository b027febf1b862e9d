//! Published awards: every order a provider accepted, as an Open Contracting Data Standard
//! 1.1 release package anyone may read. The buyer is the area's commissioning body, the
//! supplier the provider, the value the locked price; the tender shows the specification
//! bought, the area's award criteria and how many candidates competed, and the awarded
//! candidate as the one published bid (the OCDS bid extension): the other candidates'
//! names, prices and scores are not published, since a provider never sees the ranking
//! of its competitors (SPEC.md §4). Nothing about the person on
//! probation is published: no case reference, sex, date of birth, needs or risk — and
//! nothing that groups the awards of one person: each award has its own random id and
//! ocid (drawn when the offer is accepted, never the order id, whose time-ordered value
//! the orders of one plan share), dates are whole days, the list's order within a day is
//! the random ids', and a bid carries no day count from the placement.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::OrderStatus;
use provider_hub_matching::{Candidate, Explanation};
use provider_hub_store::awards::{self as store, AwardFilter, AwardRow};
use provider_hub_store::{providers, to_utc, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;

/// The OCDS bid extension, whose `bids.details` carry the awarded candidate.
pub const BID_EXTENSION: &str =
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json";

/// The ocid prefix used until the operator sets its own (`HUB_OCID_PREFIX`): publishers
/// register theirs with the Open Contracting Partnership.
pub const DEFAULT_OCID_PREFIX: &str = "ocds-prvhub";
/// The publisher named in packages until the operator sets its own (`HUB_PUBLISHER_NAME`).
pub const DEFAULT_PUBLISHER_NAME: &str = "Provider Hub";

/// The classification of every item: probation services in the Common Procurement
/// Vocabulary.
const CPV_PROBATION: &str = "75231240";

/// Who publishes, and under which ocid prefix; set by the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub ocid_prefix: String,
    pub publisher_name: String,
}

impl Default for Publication {
    fn default() -> Self {
        Self {
            ocid_prefix: DEFAULT_OCID_PREFIX.into(),
            publisher_name: DEFAULT_PUBLISHER_NAME.into(),
        }
    }
}

/// An OCDS 1.1 release package.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleasePackage {
    /// This page's own URL.
    pub uri: String,
    /// `1.1`.
    pub version: String,
    pub extensions: Vec<String>,
    /// The day of the newest change to a published order (today, for an empty page).
    pub published_date: DateTime<Utc>,
    pub publisher: Publisher,
    /// One release per accepted order, by the day of acceptance. OCDS asks for at least
    /// one: a page past the last award (or a filter nothing matches) has none.
    pub releases: Vec<Release>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Publisher {
    pub name: String,
}

/// One accepted order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    /// The prefix and the award's random id (32 hex digits; unrelated to the order id).
    pub ocid: String,
    /// `{award id}-award`, or `{award id}-awardCancellation` once the order is cancelled
    /// or the award withdrawn from a revoked provider.
    pub id: String,
    /// The day the offer was accepted (cancelled or withdrawn, for a cancellation), at
    /// midnight UTC: awards are dated by the day only.
    pub date: DateTime<Utc>,
    /// `award`, or `awardCancellation`.
    pub tag: Vec<String>,
    /// `tender`.
    pub initiation_type: String,
    pub language: String,
    /// The buyer and the supplier (other tenderers are counted, not named).
    pub parties: Vec<Organization>,
    pub buyer: OrganizationReference,
    pub tender: Tender,
    /// The one award.
    pub awards: Vec<Award>,
    /// The awarded candidate with its rank (absent when no ranking was recorded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bids: Option<Bids>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// `buyer`, `procuringEntity`, `supplier`, `tenderer`.
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub region: String,
    pub country_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
pub struct OrganizationReference {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tender {
    /// The award's random id.
    pub id: String,
    /// The specification's title.
    pub title: String,
    /// `complete`.
    pub status: String,
    pub procuring_entity: OrganizationReference,
    /// The specification bought.
    pub items: Vec<Item>,
    /// `selective`: only providers accredited at or above the quality threshold compete.
    pub procurement_method: String,
    pub procurement_method_details: String,
    /// `services`.
    pub main_procurement_category: String,
    /// `priceOnly` (the area's `best_price` policy) or `ratedCriteria` (`best_value`), as
    /// the order was placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award_criteria: Option<String>,
    /// The policy in words, with its weights.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award_criteria_details: Option<String>,
    /// The listings that met every matching rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_tenderers: Option<u32>,
    /// The awarded provider, when it was among them; competitors are not named.
    pub tenderers: Vec<OrganizationReference>,
}

/// The specification bought, once.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// `{specification code}/{version}`.
    pub id: String,
    /// The specification's title.
    pub description: String,
    /// The specification (scheme `x_specification`).
    pub classification: Classification,
    /// The category (scheme `x_category`) and the CPV code of probation services.
    pub additional_classifications: Vec<Classification>,
    pub quantity: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Classification {
    pub scheme: String,
    pub id: String,
    pub description: String,
}

/// An amount in currency units (pounds, not pence): OCDS's `Value`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Amount {
    pub amount: f64,
    /// `GBP`.
    pub currency: String,
}

impl Amount {
    fn pounds(pence: i64) -> Self {
        // Pence up to 2^53 convert exactly; the division gives the nearest double to the
        // pounds and pence.
        Amount {
            amount: pence as f64 / 100.0,
            currency: "GBP".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    pub start_date: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Award {
    /// The award's random id.
    pub id: String,
    /// `active`, or `cancelled` once the order is cancelled or the award withdrawn.
    pub status: String,
    /// The day the offer was accepted, at midnight UTC.
    pub date: DateTime<Utc>,
    /// The locked price.
    pub value: Amount,
    pub suppliers: Vec<OrganizationReference>,
    pub items: Vec<Item>,
    /// Starts on the committed start date.
    pub contract_period: Period,
    /// The bid (listing) awarded, when the candidates were recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_bid: Option<String>,
}

/// The bid extension's section.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bids {
    /// The awarded candidate (its `rank` says where the policy placed it).
    pub details: Vec<Bid>,
}

/// A candidate listing, as the area's policy scored it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bid {
    /// The listing id.
    pub id: String,
    /// `valid`: the listing met every matching rule.
    pub status: String,
    /// The listing's provider.
    pub tenderers: Vec<OrganizationReference>,
    /// The listing's price.
    pub value: Amount,
    pub has_rank: bool,
    /// 1 for the policy's first choice.
    pub rank: u32,
    /// The provider's accreditation score for the category, 0–100.
    pub quality_score: u8,
    /// What the policy minimises: the price, plus the `best_value` penalties.
    pub cost: Amount,
}

/// A page of published awards.
#[derive(Debug, Clone)]
pub struct Published {
    pub package: ReleasePackage,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// One page of published awards and the cursor of the next.
pub fn list(
    conn: &mut DbConn,
    publication: &Publication,
    uri: String,
    filter: AwardFilter,
    after: Option<(NaiveDate, String)>,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Published, Error> {
    let page = store::list(conn, &filter, after, limit)?;
    let explained = page
        .items
        .iter()
        .map(|row| {
            // A withdrawn award's order has been placed again since: its explanation is
            // the new placement's, not this award's, so none is published with it.
            row.explanation
                .as_deref()
                .filter(|_| row.withdrawn_on.is_none())
                .map(serde_json::from_str::<Explanation>)
                .transpose()
                .map_err(|e| Error::corrupt("orders.explanation", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The candidates' providers' names, in one read.
    let ids: BTreeSet<&str> = explained
        .iter()
        .flatten()
        .flat_map(|e| {
            e.ranking
                .iter()
                .map(|c| c.provider_id)
                .chain(e.chosen.iter().map(|c| c.provider_id.as_str()))
        })
        .collect();
    let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
    let names: BTreeMap<String, String> = providers::names(conn, &ids)?.into_iter().collect();
    let published_date = page
        .items
        .iter()
        .map(|r| {
            r.withdrawn_on
                .unwrap_or(r.awarded_on)
                .max(r.order_updated_at.date())
        })
        .max()
        .map_or(midnight(now.date_naive()), midnight);
    let releases = page
        .items
        .iter()
        .zip(&explained)
        .map(|(row, explanation)| release(publication, row, explanation.as_ref(), &names))
        .collect();
    Ok(Published {
        package: ReleasePackage {
            uri,
            version: "1.1".into(),
            extensions: vec![BID_EXTENSION.into()],
            published_date,
            publisher: Publisher {
                name: publication.publisher_name.clone(),
            },
            releases,
        },
        next: page.next,
    })
}

/// A day as OCDS dates it: its midnight, UTC.
fn midnight(day: NaiveDate) -> DateTime<Utc> {
    to_utc(day.and_time(chrono::NaiveTime::MIN))
}

/// The award criteria of the policy the placement used, in OCDS words, and in full.
fn criteria(e: &Explanation) -> (String, String) {
    const TIES: &str = "ties: higher quality score, then earliest start, then lowest listing id";
    let batch = if e.policy.contains("batch run") {
        " Placed by a batch matching run: the least total cost over the run's orders."
    } else {
        ""
    };
    if e.policy.starts_with("best_value") {
        let weights = match e.weights {
            Some(w) => format!(
                "price × {} + {} pence per point of quality score below 100 + {} pence per day to the start",
                w.price, w.quality, w.days
            ),
            None => "price, quality score and days to the start, weighted (weights not recorded)".into(),
        };
        (
            "ratedCriteria".into(),
            format!("Best value: lowest {weights}; {TIES}.{batch}"),
        )
    } else {
        (
            "priceOnly".into(),
            format!("Best price: lowest price; {TIES}.{batch}"),
        )
    }
}

/// The awarded listing as the explanation ranked it, with its rank (1 = best): its place
/// among the kept best, or the chosen candidate at its recorded rank (a batch run's choice
/// beyond them); `None` when the explanation does not rank it (stored before candidates
/// were kept, or a batch run's choice beyond the kept best with no rank recorded).
fn awarded(e: &Explanation, listing_id: &str) -> Option<(u32, Candidate)> {
    let rank = e.rank_of(listing_id)?;
    let candidate = e
        .ranking
        .iter()
        .find(|c| c.listing_id == listing_id)
        .map(|c| c.to_owned())
        .or_else(|| e.chosen.clone().filter(|c| c.listing_id == listing_id))?;
    Some((rank, candidate))
}

fn release(
    publication: &Publication,
    row: &AwardRow,
    explanation: Option<&Explanation>,
    names: &BTreeMap<String, String>,
) -> Release {
    let buyer = OrganizationReference {
        id: format!("area-{}", row.area_code),
        name: format!(
            "Joint commissioning board for {} ({})",
            row.area_name, row.area_code
        ),
    };
    let supplier = OrganizationReference {
        id: row.provider_id.clone(),
        name: row.provider_name.clone(),
    };
    // Only the awarded candidate is published, with its rank: competitors stay unnamed.
    let ranking: Vec<(u32, Candidate)> = explanation
        .and_then(|e| awarded(e, &row.listing_id))
        .into_iter()
        .collect();
    let reference = |c: &Candidate| OrganizationReference {
        id: c.provider_id.clone(),
        name: names
            .get(&c.provider_id)
            .cloned()
            .unwrap_or_else(|| c.provider_id.clone()),
    };
    let tenderers: BTreeSet<OrganizationReference> =
        ranking.iter().map(|(_, c)| reference(c)).collect();
    let mut parties = vec![Organization {
        id: buyer.id.clone(),
        name: buyer.name.clone(),
        roles: vec!["buyer".into(), "procuringEntity".into()],
        address: Some(Address {
            region: row.area_region.clone(),
            country_name: "United Kingdom".into(),
        }),
    }];
    let mut supplier_roles = vec!["supplier".to_owned()];
    if tenderers.iter().any(|t| t.id == supplier.id) {
        supplier_roles.push("tenderer".into());
    }
    parties.push(Organization {
        id: supplier.id.clone(),
        name: supplier.name.clone(),
        roles: supplier_roles,
        address: None,
    });
    parties.extend(
        tenderers
            .iter()
            .filter(|t| t.id != supplier.id)
            .map(|t| Organization {
                id: t.id.clone(),
                name: t.name.clone(),
                roles: vec!["tenderer".into()],
                address: None,
            }),
    );
    let item = Item {
        id: format!("{}/{}", row.specification_code, row.specification_version),
        description: row.specification_title.clone(),
        classification: Classification {
            scheme: "x_specification".into(),
            id: row.specification_code.clone(),
            description: format!(
                "{} (version {})",
                row.specification_title, row.specification_version
            ),
        },
        additional_classifications: vec![
            Classification {
                scheme: "x_category".into(),
                id: row.category.as_str().to_owned(),
                description: row.category.as_str().replace('_', " "),
            },
            Classification {
                scheme: "CPV".into(),
                id: CPV_PROBATION.into(),
                description: "Probation services".into(),
            },
        ],
        quantity: 1,
    };
    let (award_criteria, award_criteria_details) = explanation.map(criteria).unzip();
    // Cancelled with its order, or withdrawn from a revoked provider before the start.
    let cancelled = row.order_status == OrderStatus::Cancelled || row.withdrawn_on.is_some();
    let cancelled_on = row
        .withdrawn_on
        .unwrap_or_else(|| row.order_updated_at.date());
    let accepted_on = midnight(row.awarded_on);
    let bids = (!ranking.is_empty()).then(|| Bids {
        details: ranking
            .iter()
            .map(|&(rank, ref c)| Bid {
                id: c.listing_id.to_owned(),
                status: "valid".into(),
                tenderers: vec![reference(c)],
                value: Amount::pounds(c.price_pence),
                has_rank: true,
                rank,
                quality_score: c.quality_score,
                cost: Amount::pounds(c.cost),
            })
            .collect(),
    });
    let related_bid = (!ranking.is_empty()).then(|| row.listing_id.clone());
    Release {
        ocid: format!("{}-{}", publication.ocid_prefix, row.award_id),
        id: format!(
            "{}-{}",
            row.award_id,
            if cancelled {
                "awardCancellation"
            } else {
                "award"
            }
        ),
        date: if cancelled {
            midnight(cancelled_on)
        } else {
            accepted_on
        },
        tag: vec![if cancelled {
            "awardCancellation".into()
        } else {
            "award".into()
        }],
        initiation_type: "tender".into(),
        language: "en".into(),
        parties,
        buyer: buyer.clone(),
        tender: Tender {
            id: row.award_id.clone(),
            title: row.specification_title.clone(),
            status: "complete".into(),
            procuring_entity: buyer,
            items: vec![item.clone()],
            procurement_method: "selective".into(),
            procurement_method_details: "Spot purchase through Provider Hub: every published listing of a provider accredited at or above the quality threshold that serves the area, admits the person and has a place in time competes on its published price".into(),
            main_procurement_category: "services".into(),
            award_criteria,
            award_criteria_details,
            number_of_tenderers: explanation.map(|e| e.candidates),
            tenderers: tenderers.into_iter().collect(),
        },
        awards: vec![Award {
            id: row.award_id.clone(),
            status: if cancelled { "cancelled" } else { "active" }.into(),
            date: accepted_on,
            value: Amount::pounds(row.price_pence),
            suppliers: vec![supplier],
            items: vec![item],
            contract_period: Period {
                start_date: midnight(row.starts_on),
            },
            related_bid,
        }],
        bids,
    }
}
