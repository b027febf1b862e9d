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

use provider_hub_market::listings::CapacityUpdate;
use provider_hub_market::lookup;
use provider_hub_market::orders::OrderView;
use provider_hub_market::placement::Settings;
use provider_hub_market::{Actor, Error};

mod data;

use data::{AREAS, BUDGET, CASES, PROVIDERS, SPECS, VALUE_AREA};

/// The region the demo market is in.
pub const REGION: &str = "South Yorkshire";

struct AreaSeed {
    code: &'static str,
    name: &'static str,
    /// Two offender managers: the first writes assessments and approves plans, the
    /// second countersigns.
    managers: [&'static str; 2],
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

#[allow(clippy::too_many_arguments)]
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

/// What one run added, kind by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Added {
    pub areas: usize,
    pub specifications: usize,
    pub providers: usize,
    pub accreditations: usize,
    pub listings: usize,
    pub budgets: usize,
    pub policies: usize,
    pub cases: usize,
    pub assessments: usize,
    pub plans_approved: usize,
    pub orders: usize,
}

/// A listing of the demo market, as it stands.
#[derive(Debug, Clone)]
pub struct ListingLine {
    pub provider: String,
    pub specification_code: String,
    pub title: String,
    pub areas: Vec<String>,
    pub price_pence: i64,
    pub status: ListingStatus,
    /// The one sex it serves, for a women-only or men-only listing.
    pub only: Option<Sex>,
    /// Why it is not published, when it is not.
    pub not_published_because: Option<String>,
}

/// A provider of the demo market and its membership today.
#[derive(Debug, Clone)]
pub struct ProviderLine {
    pub name: String,
    pub sector: Sector,
    /// Categories it is a member for today.
    pub member_of: Vec<Category>,
    /// Its current accreditation scores, by category.
    pub scores: Vec<(Category, u8)>,
}

/// An order the demo's plans bought (or tried to).
#[derive(Debug, Clone)]
pub struct OrderLine {
    pub crn: String,
    pub area: String,
    pub category: Category,
    pub status: OrderStatus,
    /// Who it is placed with (or, awaiting budget approval, would be).
    pub provider: Option<String>,
    pub price_pence: Option<i64>,
    pub starts_on: Option<NaiveDate>,
    /// For an order with no place: why, in words, and how many listings each rule excluded.
    pub reason: Option<String>,
    pub excluded: Vec<(String, u32)>,
}

/// What the demo market holds, read back from the database.
#[derive(Debug, Clone)]
pub struct Report {
    pub region: &'static str,
    pub threshold: u8,
    pub added: Added,
    /// Audit rows this run wrote: none on a second run.
    pub audit_rows_written: i64,
    pub areas: Vec<(String, String)>,
    pub specifications: Vec<(String, i32, Category, i64)>,
    pub providers: Vec<ProviderLine>,
    pub listings: Vec<ListingLine>,
    pub budget: Option<provider_hub_market::budgets::BudgetView>,
    pub cases: usize,
    pub orders: Vec<OrderLine>,
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
        let id = ensure_provider(
            conn,
            &admin,
            &quality,
            seed,
            threshold,
            &spec_versions,
            &mut refusals,
            &mut added,
            now,
        )?;
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

#[allow(clippy::too_many_arguments)]
fn ensure_provider(
    conn: &mut DbConn,
    admin: &Actor,
    quality: &Actor,
    seed: &ProviderSeed,
    threshold: u8,
    spec_versions: &HashMap<&str, i32>,
    refusals: &mut HashMap<String, String>,
    added: &mut Added,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let today = now.date_naive();
    let id = match lookup::provider_by_registration(conn, seed.registration)? {
        Some(row) => row.id,
        None => {
            let created = provider_hub_market::providers::register(
                conn,
                admin,
                NewProvider {
                    name: seed.name.to_owned(),
                    sector: seed.sector,
                    registration_number: seed.registration.to_owned(),
                    contact: Contact {
                        name: seed.contact.to_owned(),
                        email: seed.email.to_owned(),
                        phone: Some(seed.phone.to_owned()),
                    },
                },
                now,
            )?;
            added.providers += 1;
            created.id
        }
    };
    // A category's accreditations are recorded in order: the first before the listings,
    // later ones (re-inspections) after them. Each only while fewer are on record.
    let accredit = |conn: &mut DbConn, later: bool, added: &mut Added| -> Result<(), Error> {
        let held = lookup::accreditations(conn, &id)?;
        let mut seen: HashMap<Category, usize> = HashMap::new();
        for a in seed.accreditations {
            let position = seen.entry(a.category).or_default();
            let index = *position;
            *position += 1;
            if (index > 0) != later {
                continue;
            }
            let on_record = held
                .iter()
                .filter(|h| h.category == a.category.as_str())
                .count();
            if on_record > index {
                continue;
            }
            let assessed_on = days_before(today, a.assessed_days_ago);
            provider_hub_market::providers::accredit(
                conn,
                quality,
                &id,
                NewAccreditation {
                    category: a.category,
                    score: score(threshold, a.margin),
                    assessed_on,
                    expires_on: days_after(assessed_on, 3 * 365),
                    notes: a.notes.to_owned(),
                },
                now,
            )?;
            added.accreditations += 1;
        }
        Ok(())
    };
    accredit(conn, false, added)?;

    let staff = actor("demo-provider", Role::Provider);
    let scope = Scope::Provider(id.clone());
    for l in seed.listings {
        let version = *spec_versions
            .get(l.spec)
            .ok_or_else(|| corrupt("listing specification", l.spec))?;
        let filter = ListingFilter {
            code: Some(l.spec.to_owned()),
            ..ListingFilter::default()
        };
        let existing = provider_hub_market::listings::search(
            conn,
            Role::Provider,
            &scope,
            &filter,
            None,
            None,
            1,
            now,
        )?
        .items
        .into_iter()
        .next();
        let listing = match existing {
            Some(found) => found,
            None => {
                let areas = l
                    .areas
                    .iter()
                    .map(|a| AreaCode::parse(a).map_err(|e| corrupt("listing area", e)))
                    .collect::<Result<Vec<_>, _>>()?;
                let created = provider_hub_market::listings::create(
                    conn,
                    &staff,
                    &id,
                    NewListing {
                        specification_code: l.spec.to_owned(),
                        specification_version: version,
                        title: l.title.to_owned(),
                        description: String::new(),
                        areas,
                        price_pence: l.price_pence,
                        delivery_format: l.format,
                        delivery_mode: l.mode,
                        eligibility: EligibilityNarrowing {
                            sexes: l.only.map(|sex| vec![sex]),
                            ..EligibilityNarrowing::default()
                        },
                    },
                    now,
                )?;
                added.listings += 1;
                created.listing
            }
        };
        if lookup::capacity(conn, &listing.id)?.is_empty() {
            provider_hub_market::listings::set_capacity(
                conn,
                &staff,
                &id,
                &listing.id,
                CapacityUpdate {
                    slots: slots(l.capacity, today),
                },
                now,
            )?;
        }
        if listing.status == ListingStatus::Draft {
            // Refused for a provider below the threshold or a price above the cap:
            // nothing is written, and the reason is reported.
            match provider_hub_market::listings::transition(
                conn,
                &staff,
                &id,
                &listing.id,
                ListingStatus::publish,
                "listing.published",
                now,
            ) {
                Ok(_) => {}
                Err(Error::Conflict { detail, .. }) => {
                    refusals.insert(listing.id.clone(), format!("publication refused: {detail}"));
                }
                Err(Error::Validation(errors)) => {
                    let said = errors
                        .0
                        .iter()
                        .map(|e| format!("{} {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ");
                    refusals.insert(listing.id.clone(), format!("publication refused: {said}"));
                }
                Err(other) => return Err(other),
            }
        }
    }
    accredit(conn, true, added)?;
    Ok(id)
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

fn requirement(r: Req) -> Result<Requirement, Error> {
    Ok(match r {
        Req::UnpaidWork(hours) => Requirement::UnpaidWork { hours },
        Req::Programme(code) => Requirement::AccreditedProgramme {
            code: SpecCode::parse(code).map_err(|e| corrupt("programme code", e))?,
        },
        Req::Alcohol(months) => Requirement::AlcoholTreatment { months },
        Req::Drugs(months) => Requirement::DrugRehabilitation { months },
        Req::MentalHealth(months) => Requirement::MentalHealthTreatment { months },
        Req::Rar(days) => Requirement::RehabilitationActivity { days },
    })
}

/// The case, its countersigned assessment and its approved plan; the plan's orders.
fn ensure_case(
    conn: &mut DbConn,
    case: &CaseSeed,
    settings: Settings,
    added: &mut Added,
    now: DateTime<Utc>,
) -> Result<Vec<OrderView>, Error> {
    let today = now.date_naive();
    let area = AREAS
        .iter()
        .find(|a| a.code == case.area)
        .ok_or_else(|| corrupt("case area", case.area))?;
    let code = AreaCode::parse(area.code).map_err(|e| corrupt("area code", e))?;
    let scope = Scope::Area(code.clone());
    let author = actor(area.managers[0], Role::OffenderManager);
    let countersigner = actor(area.managers[1], Role::OffenderManager);
    let om = Role::OffenderManager;

    if !lookup::case_exists(conn, case.crn)? {
        let (month, day) = case.born;
        let date_of_birth = NaiveDate::from_ymd_opt(today.year() - case.age, month, day)
            .ok_or_else(|| corrupt("date of birth", case.crn))?;
        provider_hub_market::cases::register(
            conn,
            &author,
            &scope,
            NewCase {
                crn: Crn::parse(case.crn).map_err(|e| corrupt("crn", e))?,
                sex: case.sex,
                date_of_birth,
                area: code.clone(),
            },
            now,
        )?;
        added.cases += 1;
    }

    // Found by its upstream reference, whatever day it was recorded on.
    let external_ref = format!("OASYS-DEMO-{}", case.crn);
    let assessment = match lookup::assessment_by_external_ref(conn, &external_ref)? {
        Some(row) => provider_hub_market::assessments::get(conn, om, &scope, &row.id)?,
        None => {
            let needs = Need::ALL
                .iter()
                .map(|need| {
                    let (severity, linked_to_offending) = case
                        .needs
                        .iter()
                        .find(|(n, _, _)| n == need)
                        .map(|(_, s, l)| (*s, *l))
                        .unwrap_or((Severity::Low, false));
                    NeedScore {
                        need: *need,
                        severity,
                        linked_to_offending,
                    }
                })
                .collect();
            let new = provider_hub_domain::assessment::NewAssessment {
                external_ref,
                crn: Crn::parse(case.crn).map_err(|e| corrupt("crn", e))?,
                tier: case.tier,
                risk_of_serious_harm: case.risk,
                reoffending_probability: case.reoffending,
                needs,
                requirements: case
                    .requirements
                    .iter()
                    .map(|r| requirement(*r))
                    .collect::<Result<_, _>>()?,
                sentence_date: days_before(today, case.sentenced_days_ago),
            };
            let (view, created) =
                provider_hub_market::assessments::record(conn, &author, om, &scope, new, now)?;
            if created {
                added.assessments += 1;
            }
            view
        }
    };
    let mut status = assessment.status;
    if status == AssessmentStatus::Draft {
        status = provider_hub_market::assessments::submit(
            conn,
            &author,
            om,
            &scope,
            &assessment.id,
            now,
        )?
        .status;
    }
    if status == AssessmentStatus::Submitted {
        status = provider_hub_market::assessments::decide(
            conn,
            &countersigner,
            om,
            &scope,
            &assessment.id,
            true,
            provider_hub_market::assessments::Decision::default(),
            now,
        )?
        .status;
    }
    if status != AssessmentStatus::Approved {
        return Err(Error::conflict(
            format!(
                "assessment {} of {} is {status}, not approved: the demo cannot buy its plan",
                assessment.id, case.crn
            ),
            Some(status.as_str()),
        ));
    }
    let plan = provider_hub_market::plans::for_assessment(conn, om, &scope, &assessment.id, now)?;
    let was_proposed = plan.status == PlanStatus::Proposed;
    // Approving an approved plan creates nothing and answers the same orders.
    let approval =
        provider_hub_market::plans::approve(conn, &author, om, &scope, &plan.id, settings, now)?;
    if was_proposed {
        added.plans_approved += 1;
        added.orders += approval.orders.len();
    }
    Ok(approval.orders)
}

struct ReportInputs {
    threshold: u8,
    added: Added,
    audit_before: i64,
    provider_ids: Vec<String>,
    refusals: HashMap<String, String>,
    orders: Vec<OrderView>,
    today: NaiveDate,
}

fn report(conn: &mut DbConn, inputs: ReportInputs, now: DateTime<Utc>) -> Result<Report, Error> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut providers = Vec::new();
    let mut listings = Vec::new();
    for id in &inputs.provider_ids {
        let p = provider_hub_market::providers::get(conn, &Scope::Hub, id, now)?;
        names.insert(p.id.clone(), p.name.clone());
        let scope = Scope::Provider(p.id.clone());
        let own = provider_hub_market::listings::search(
            conn,
            Role::Provider,
            &scope,
            &ListingFilter::default(),
            None,
            None,
            provider_hub_market::MAX_PAGE,
            now,
        )?;
        for l in own.items {
            let not_published_because = match l.status {
                ListingStatus::Published => None,
                _ => Some(
                    inputs
                        .refusals
                        .get(&l.id)
                        .cloned()
                        .unwrap_or_else(|| format!("it is {}", l.status)),
                ),
            };
            listings.push(ListingLine {
                provider: p.name.clone(),
                only: match l.eligibility.sexes.as_deref() {
                    Some([sex]) => Some(*sex),
                    _ => None,
                },
                specification_code: l.specification_code,
                title: l.title,
                areas: l.areas,
                price_pence: l.price_pence,
                status: l.status,
                not_published_because,
            });
        }
        providers.push(ProviderLine {
            name: p.name,
            sector: p.sector,
            member_of: p.member_categories,
            scores: p
                .accreditations
                .iter()
                .filter(|a| a.current)
                .map(|a| (a.category, a.score))
                .collect(),
        });
    }
    let mut orders = Vec::new();
    for o in inputs.orders {
        let chosen = o.explanation.as_ref().and_then(|e| e.chosen.clone());
        let provider_id = o
            .provider_id
            .clone()
            .or_else(|| chosen.as_ref().map(|c| c.provider_id.clone()));
        let provider = match provider_id {
            Some(pid) => Some(match names.get(&pid) {
                Some(name) => name.clone(),
                None => lookup::provider(conn, &pid)?.map(|p| p.name).unwrap_or(pid),
            }),
            None => None,
        };
        let reason = match o.status {
            OrderStatus::Unmatched => o
                .explanation
                .as_ref()
                .and_then(|e| e.no_candidate_reason.clone()),
            OrderStatus::AwaitingApproval => Some(format!(
                "its price would take {} over its budget for the year: it waits for a commissioner",
                o.area
            )),
            _ => None,
        };
        let excluded = match o.status {
            OrderStatus::Unmatched => o
                .explanation
                .as_ref()
                .map(|e| {
                    e.excluded
                        .iter()
                        .filter(|x| x.excluded > 0)
                        .map(|x| {
                            let rule = serde_json::to_value(x.rule)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_else(|| format!("{:?}", x.rule));
                            (rule, x.excluded)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        orders.push(OrderLine {
            crn: o.crn,
            area: o.area,
            category: o.category,
            status: o.status,
            provider,
            price_pence: o.price_pence.or(chosen.as_ref().map(|c| c.price_pence)),
            starts_on: o.starts_on.or(chosen.as_ref().map(|c| c.starts_on)),
            reason,
            excluded,
        });
    }
    let mut specifications = Vec::new();
    for spec in SPECS {
        let detail = provider_hub_market::specifications::get(conn, spec.code)?;
        if let Some(v) = detail.latest_published {
            specifications.push((
                spec.code.to_owned(),
                v.version,
                v.content.category,
                v.content.price_cap_pence,
            ));
        }
    }
    let areas = AREAS
        .iter()
        .map(|a| {
            Ok((
                a.code.to_owned(),
                provider_hub_market::areas::get(conn, a.code)?.name,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let year = provider_hub_domain::payment::financial_year(inputs.today);
    let budget = provider_hub_market::budgets::get(conn, BUDGET.0, year).ok();
    let audit_rows_written = lookup::audit_rows(conn)? - inputs.audit_before;
    Ok(Report {
        region: REGION,
        threshold: inputs.threshold,
        added: inputs.added,
        audit_rows_written,
        areas,
        specifications,
        providers,
        listings,
        budget,
        cases: CASES.len(),
        orders,
    })
}

impl Report {
    /// True when the run wrote nothing: the demo market was already there.
    pub fn nothing_added(&self) -> bool {
        self.audit_rows_written == 0 && self.added == Added::default()
    }

    fn count_orders(&self, status: OrderStatus) -> usize {
        self.orders.iter().filter(|o| o.status == status).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Provider Hub demo market: {} (quality threshold {})",
            self.region, self.threshold
        )?;
        writeln!(f)?;
        let a = &self.added;
        if self.nothing_added() {
            writeln!(
                f,
                "Nothing new was added: the demo market is already in this database. As it stands:"
            )?;
        } else {
            writeln!(
                f,
                "Added: {} areas, {} specifications, {} providers ({} accreditations), {} listings, \
                 {} budgets, {} policies, {} cases, {} assessments, {} plans approved ({} orders); \
                 {} audit rows written.",
                a.areas,
                a.specifications,
                a.providers,
                a.accreditations,
                a.listings,
                a.budgets,
                a.policies,
                a.cases,
                a.assessments,
                a.plans_approved,
                a.orders,
                self.audit_rows_written
            )?;
        }
        writeln!(f)?;

        let areas: Vec<String> = self
            .areas
            .iter()
            .map(|(code, name)| format!("{name} {code}"))
            .collect();
        writeln!(f, "Areas ({}): {}", self.areas.len(), areas.join(", "))?;
        writeln!(f, "Specifications ({}):", self.specifications.len())?;
        for (code, version, category, cap) in &self.specifications {
            writeln!(
                f,
                "  {code:<14} v{version}  {:<30} cap {}",
                category.as_str(),
                pounds(*cap)
            )?;
        }
        let sectors: Vec<String> = Sector::ALL
            .iter()
            .map(|s| {
                let n = self.providers.iter().filter(|p| p.sector == *s).count();
                format!("{n} {s}")
            })
            .collect();
        let below: Vec<&ProviderLine> = self
            .providers
            .iter()
            .filter(|p| p.scores.iter().any(|(c, _)| !p.member_of.contains(c)))
            .collect();
        writeln!(
            f,
            "Providers ({}): {}; {} below the threshold for a category they are accredited in:",
            self.providers.len(),
            sectors.join(", "),
            below.len()
        )?;
        for p in below {
            let scores: Vec<String> = p
                .scores
                .iter()
                .filter(|(c, _)| !p.member_of.contains(c))
                .map(|(c, s)| format!("{c} scored {s}"))
                .collect();
            writeln!(f, "  {} ({}): {}", p.name, p.sector, scores.join(", "))?;
        }
        let published = self
            .listings
            .iter()
            .filter(|l| l.status == ListingStatus::Published)
            .count();
        writeln!(
            f,
            "Listings ({}): {published} published, {} not on the market:",
            self.listings.len(),
            self.listings.len() - published
        )?;
        for l in self
            .listings
            .iter()
            .filter(|l| l.not_published_because.is_some())
        {
            writeln!(
                f,
                "  {} — {} at {} ({}): {}",
                l.provider,
                l.specification_code,
                pounds(l.price_pence),
                l.status,
                l.not_published_because.as_deref().unwrap_or_default()
            )?;
        }
        for sex in Sex::ALL {
            let only: Vec<String> = self
                .listings
                .iter()
                .filter(|l| l.only == Some(*sex))
                .map(|l| {
                    format!(
                        "{} — {} in {}",
                        l.provider,
                        l.specification_code,
                        l.areas.join(", ")
                    )
                })
                .collect();
            if !only.is_empty() {
                let who = match sex {
                    Sex::Female => "Women only",
                    Sex::Male => "Men only",
                };
                writeln!(f, "{who}: {}", only.join("; "))?;
            }
        }
        if let Some(b) = &self.budget {
            writeln!(
                f,
                "Budget of {} for {}-{:02}: allocated {}, offered {}, committed {}, remaining {}",
                b.area,
                b.financial_year,
                (b.financial_year + 1) % 100,
                pounds(b.allocated_pence),
                pounds(b.offered_pence),
                pounds(b.committed_pence),
                pounds(b.remaining_pence)
            )?;
        }
        writeln!(
            f,
            "Cases: {}; orders: {} ({} offered, {} unmatched, {} awaiting budget approval, {} other)",
            self.cases,
            self.orders.len(),
            self.count_orders(OrderStatus::Offered),
            self.count_orders(OrderStatus::Unmatched),
            self.count_orders(OrderStatus::AwaitingApproval),
            self.orders.len()
                - self.count_orders(OrderStatus::Offered)
                - self.count_orders(OrderStatus::Unmatched)
                - self.count_orders(OrderStatus::AwaitingApproval),
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<8} {:<7} {:<30} {:<18} {:<42} {:>10}  starts",
            "crn", "area", "category", "status", "provider", "price"
        )?;
        for o in &self.orders {
            writeln!(
                f,
                "{:<8} {:<7} {:<30} {:<18} {:<42} {:>10}  {}",
                o.crn,
                o.area,
                o.category.as_str(),
                o.status.as_str(),
                o.provider.as_deref().unwrap_or("—"),
                o.price_pence.map(pounds).unwrap_or_else(|| "—".into()),
                o.starts_on
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "—".into()),
            )?;
            if let Some(reason) = &o.reason {
                let excluded: Vec<String> = o
                    .excluded
                    .iter()
                    .map(|(rule, n)| format!("{rule} {n}"))
                    .collect();
                if excluded.is_empty() {
                    writeln!(f, "         why: {reason}")?;
                } else {
                    writeln!(
                        f,
                        "         why: {reason} (listings excluded by rule: {})",
                        excluded.join(", ")
                    )?;
                }
            }
        }
        Ok(())
    }
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
