//! `provider-hub demo`: a realistic market in one region — areas, specifications,
//! providers with accreditations above and below the quality threshold, listings with
//! prices and capacity, cases with countersigned assessments — whose sentence plans are
//! then approved, which buys. Every step goes through the same use cases as the API, so
//! every rule, audit row and event applies, and each is get-or-create by its natural key:
//! a second run adds nothing and reports the same market, read back from the database.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use provider_hub_domain::area::PolicyKind;
use provider_hub_domain::assessment::{AssessmentStatus, NeedScore, Requirement, Severity};
use provider_hub_domain::case::{Crn, NewCase};
use provider_hub_domain::listing::{
    DeliveryMode, EligibilityNarrowing, ListingFormat, ListingStatus, NewListing,
};
use provider_hub_domain::money::pounds;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::plan::PlanStatus;
use provider_hub_domain::provider::{Contact, NewAccreditation, NewProvider, Sector};
use provider_hub_domain::specification::{
    DeliveryFormat, DeliveryStandard, Eligibility, Milestone, NewSpecification, PaymentModel,
    PaymentShare, SpecCode, SpecificationStatus,
};
use provider_hub_domain::{AreaCode, Category, Need, Role, Scope};
use provider_hub_store::listings::ListingFilter;
use provider_hub_store::DbConn;

use provider_hub_market::access::Caller;
use provider_hub_market::listings::CapacityUpdate;
use provider_hub_market::lookup;
use provider_hub_market::orders::OrderView;
use provider_hub_market::placement::Settings;
use provider_hub_market::{Actor, Error};

mod cases;
mod data;
mod providers;
mod report;

use cases::ensure_case;
use data::{AREAS, BUDGET, CASES, PROVIDERS, SPECS, VALUE_AREA};
use providers::{ensure_provider, Seeding};
use report::{report, ReportInputs};
pub use report::{Added, ListingLine, OrderLine, ProviderLine, Report};

/// The region the demo market is in.
pub const REGION: &str = "South Yorkshire";

struct AreaSeed {
    code: &'static str,
    name: &'static str,
    /// Two offender managers: the first writes assessments and approves plans, the
    /// second countersigns.
    managers: [&'static str; 2],
    /// The magistrates' court that sentences the area's cases: it sees their start dates.
    court: &'static str,
}

struct SpecSeed {
    code: &'static str,
    title: &'static str,
    description: &'static str,
    category: Category,
    needs: &'static [Need],
    sessions: u32,
    hours: u32,
    format: DeliveryFormat,
    unit: &'static str,
    cap_pence: i64,
    sexes: &'static [Sex],
    max_risk: RiskOfHarm,
    tiers: &'static [u8],
    payment: &'static [(Milestone, u8)],
}

/// One assessment of a provider for a category. A provider's first accreditation for a
/// category is recorded before its listings; a later one (a re-inspection) after them.
struct AccreditationSeed {
    category: Category,
    /// Points above (or, negative, below) the quality threshold in force.
    margin: i16,
    assessed_days_ago: u64,
    notes: &'static str,
}

/// Start dates of a listing's places.
#[derive(Clone, Copy)]
enum Capacity {
    /// `count` Mondays, every `every` weeks, from the Monday `from_week` weeks after the
    /// coming one.
    Mondays {
        from_week: u64,
        every: u64,
        count: u64,
        places: u32,
    },
    /// `count` consecutive days from `from_day` days after today.
    Daily {
        from_day: u64,
        count: u64,
        places: u32,
    },
}

struct ListingSeed {
    spec: &'static str,
    title: &'static str,
    areas: &'static [&'static str],
    price_pence: i64,
    format: ListingFormat,
    mode: DeliveryMode,
    /// Narrows the specification's sexes (a women-only or men-only service).
    only: Option<Sex>,
    capacity: Capacity,
}

struct ProviderSeed {
    name: &'static str,
    sector: Sector,
    registration: &'static str,
    contact: &'static str,
    email: &'static str,
    phone: &'static str,
    accreditations: &'static [AccreditationSeed],
    listings: &'static [ListingSeed],
}

const fn acc(category: Category, margin: i16, assessed_days_ago: u64) -> AccreditationSeed {
    AccreditationSeed {
        category,
        margin,
        assessed_days_ago,
        notes: "annual quality review",
    }
}

const fn weekly(places: u32) -> Capacity {
    Capacity::Mondays {
        from_week: 0,
        every: 1,
        count: 10,
        places,
    }
}

const fn cohorts(places: u32) -> Capacity {
    Capacity::Mondays {
        from_week: 1,
        every: 4,
        count: 4,
        places,
    }
}

const fn daily(places: u32) -> Capacity {
    Capacity::Daily {
        from_day: 1,
        count: 28,
        places,
    }
}

const fn listing(
    spec: &'static str,
    title: &'static str,
    areas: &'static [&'static str],
    price_pence: i64,
    format: ListingFormat,
    mode: DeliveryMode,
    capacity: Capacity,
) -> ListingSeed {
    ListingSeed {
        spec,
        title,
        areas,
        price_pence,
        format,
        mode,
        only: None,
        capacity,
    }
}

const fn only(sex: Sex, mut l: ListingSeed) -> ListingSeed {
    l.only = Some(sex);
    l
}

/// A court requirement, as the demo's tables write it.
#[derive(Clone, Copy)]
enum Req {
    UnpaidWork(u32),
    Programme(&'static str),
    Alcohol(u32),
    Drugs(u32),
    MentalHealth(u32),
    Rar(u32),
}

struct CaseSeed {
    crn: &'static str,
    area: &'static str,
    sex: Sex,
    age: i32,
    /// Month and day of birth.
    born: (u32, u32),
    tier: u8,
    risk: RiskOfHarm,
    reoffending: u8,
    sentenced_days_ago: u64,
    requirements: &'static [Req],
    /// Needs scored medium or high; every other need is scored low and not linked.
    needs: &'static [(Need, Severity, bool)],
}

fn actor(sub: &str, role: Role) -> Actor {
    Actor {
        sub: sub.to_owned(),
        role: role.as_str().to_owned(),
    }
}

fn corrupt(what: &str, e: impl fmt::Display) -> Error {
    Error::corrupt(&format!("demo data {what}"), e)
}

fn days_after(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap_or(day)
}

fn days_before(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days)).unwrap_or(day)
}

/// The start dates of a capacity pattern, counted from `today`.
fn slots(capacity: Capacity, today: NaiveDate) -> Vec<provider_hub_domain::listing::CapacitySlot> {
    use provider_hub_domain::listing::CapacitySlot;
    match capacity {
        Capacity::Mondays {
            from_week,
            every,
            count,
            places,
        } => {
            let to_monday = 7 - u64::from(today.weekday().num_days_from_monday());
            let first = days_after(today, to_monday + 7 * from_week);
            (0..count)
                .map(|i| CapacitySlot {
                    starts_on: days_after(first, 7 * every * i),
                    places,
                })
                .collect()
        }
        Capacity::Daily {
            from_day,
            count,
            places,
        } => (0..count)
            .map(|i| CapacitySlot {
                starts_on: days_after(today, from_day + i),
                places,
            })
            .collect(),
    }
}

fn score(threshold: u8, margin: i16) -> u8 {
    u8::try_from((i16::from(threshold) + margin).clamp(0, 100)).unwrap_or(0)
}

/// Seeds the demo market into the database and buys what its plans call for; reports
/// what the market holds. Idempotent: every step is get-or-create by its natural key.
pub fn run(conn: &mut DbConn, settings: Settings, now: DateTime<Utc>) -> Result<Report, Error> {
    let audit_before = lookup::audit_rows(conn)?;
    let today = now.date_naive();
    let mut added = Added::default();
    let threshold = provider_hub_market::providers::threshold(conn)?.threshold;

    let admin = actor("demo-admin", Role::Admin);
    let quality = actor("demo-quality", Role::Quality);
    let commissioner = actor("demo-commissioner", Role::Commissioner);

    for area in AREAS {
        if !lookup::area_exists(conn, area.code)? {
            provider_hub_market::areas::create(
                conn,
                &admin,
                provider_hub_market::areas::NewArea {
                    code: AreaCode::parse(area.code).map_err(|e| corrupt("area code", e))?,
                    name: area.name.to_owned(),
                    region: REGION.to_owned(),
                },
                now,
            )?;
            added.areas += 1;
        }
    }

    let mut spec_versions: HashMap<&str, i32> = HashMap::new();
    for spec in SPECS {
        let version = ensure_specification(conn, &quality, spec, &mut added, now)?;
        spec_versions.insert(spec.code, version);
    }

    let mut provider_ids: Vec<String> = Vec::new();
    let mut refusals: HashMap<String, String> = HashMap::new();
    for seed in PROVIDERS {
        let seeding = Seeding {
            admin: &admin,
            quality: &quality,
            threshold,
            spec_versions: &spec_versions,
            now,
        };
        let id = ensure_provider(conn, seed, &seeding, &mut refusals, &mut added)?;
        provider_ids.push(id);
    }

    ensure_market_settings(conn, &commissioner, &mut added, today, now)?;

    let mut orders: Vec<OrderView> = Vec::new();
    for case in CASES {
        orders.extend(ensure_case(conn, case, settings, &mut added, now)?);
    }

    report(
        conn,
        ReportInputs {
            threshold,
            added,
            audit_before,
            provider_ids,
            refusals,
            orders,
            today,
        },
        now,
    )
}

/// The version listings are made against: the latest published one, publishing the draft
/// version when none is published yet.
fn ensure_specification(
    conn: &mut DbConn,
    quality: &Actor,
    spec: &SpecSeed,
    added: &mut Added,
    now: DateTime<Utc>,
) -> Result<i32, Error> {
    let versions = lookup::specification_versions(conn, spec.code)?;
    if versions.is_empty() {
        let new = NewSpecification {
            code: SpecCode::parse(spec.code).map_err(|e| corrupt("specification code", e))?,
            title: spec.title.to_owned(),
            description: spec.description.to_owned(),
            category: spec.category,
            needs: spec.needs.to_vec(),
            delivery_standard: DeliveryStandard {
                min_sessions: spec.sessions,
                min_hours: spec.hours,
                format: spec.format,
            },
            unit_of_purchase: spec.unit.to_owned(),
            price_cap_pence: spec.cap_pence,
            eligibility: Eligibility {
                sexes: spec.sexes.to_vec(),
                min_age: 18,
                max_age: 80,
                max_risk_of_harm: spec.max_risk,
                tiers: spec.tiers.to_vec(),
            },
            payment_model: PaymentModel {
                milestones: spec
                    .payment
                    .iter()
                    .map(|(milestone, percent)| PaymentShare {
                        milestone: *milestone,
                        percent: *percent,
                    })
                    .collect(),
                multipliers: Default::default(),
            },
        };
        provider_hub_market::specifications::create(conn, quality, new, now)?;
        added.specifications += 1;
    }
    let versions = lookup::specification_versions(conn, spec.code)?;
    if let Some(published) = versions
        .iter()
        .rev()
        .find(|v| v.status == SpecificationStatus::Published)
    {
        return Ok(published.version);
    }
    let draft = versions
        .iter()
        .find(|v| v.status == SpecificationStatus::Draft)
        .ok_or_else(|| {
            Error::conflict(
                format!(
                    "specification {} has no published or draft version to list against",
                    spec.code
                ),
                None,
            )
        })?;
    provider_hub_market::specifications::publish(conn, quality, spec.code, draft.version, now)?;
    Ok(draft.version)
}

/// Barnsley's budget for the financial years the demo's orders start in, and Doncaster's
/// best-value policy; each only where none is set.
fn ensure_market_settings(
    conn: &mut DbConn,
    commissioner: &Actor,
    added: &mut Added,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let (area, allocated_pence) = BUDGET;
    let years = [
        provider_hub_domain::payment::financial_year(today),
        provider_hub_domain::payment::financial_year(days_after(today, 100)),
    ];
    for (i, year) in years.iter().enumerate() {
        if years[..i].contains(year) {
            continue;
        }
        if !lookup::budget_exists(conn, area, *year)? {
            provider_hub_market::budgets::set(
                conn,
                commissioner,
                area,
                *year,
                provider_hub_market::budgets::SetBudget { allocated_pence },
                now,
            )?;
            added.budgets += 1;
        }
    }
    let (area, weights) = VALUE_AREA;
    if !lookup::policy_exists(conn, area)? {
        provider_hub_market::policies::set(
            conn,
            commissioner,
            area,
            provider_hub_market::policies::SetPolicy {
                policy: PolicyKind::BestValue,
                weights: Some(weights),
            },
            now,
        )?;
        added.policies += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_name_only_areas_and_specifications_they_define() {
        let areas: Vec<&str> = AREAS.iter().map(|a| a.code).collect();
        let specs: Vec<&str> = SPECS.iter().map(|s| s.code).collect();
        for p in PROVIDERS {
            for l in p.listings {
                assert!(specs.contains(&l.spec), "{} lists {}", p.name, l.spec);
                assert!(l.areas.iter().all(|a| areas.contains(a)), "{}", p.name);
                let category = SPECS.iter().find(|s| s.code == l.spec).map(|s| s.category);
                assert!(
                    p.accreditations
                        .iter()
                        .any(|a| Some(a.category) == category),
                    "{} lists {} without an accreditation for its category",
                    p.name,
                    l.spec
                );
            }
        }
        for c in CASES {
            assert!(areas.contains(&c.area), "{}", c.crn);
            for r in c.requirements {
                if let Req::Programme(code) = r {
                    assert!(specs.contains(code), "{} names {code}", c.crn);
                }
            }
        }
    }

    #[test]
    fn the_market_has_every_sector_and_providers_on_both_sides_of_the_threshold() {
        assert!(PROVIDERS.len() >= 20);
        for sector in Sector::ALL {
            assert!(PROVIDERS.iter().any(|p| p.sector == *sector), "{sector}");
        }
        assert!(PROVIDERS
            .iter()
            .any(|p| p.accreditations.iter().any(|a| a.margin < 0)));
        assert!(SPECS.len() >= 7);
        assert!((20..=40).contains(&CASES.len()));
    }
}
