//! Searching listings, and which of them a person is eligible for: the same eligibility
//! rule (SPEC.md §4 rule 5) the matching engine applies, from the same code.

use std::collections::HashMap;

use chrono::NaiveDate;
use provider_hub_domain::listing::{self, EligibilityNarrowing};
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::specification::{Admission, Eligibility};
use provider_hub_matching::Person;
use provider_hub_store::cursor::Page;
use provider_hub_store::listings::{self as store, ListingFilter, ListingRow, Visibility};
use provider_hub_store::{assessments, specifications, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use super::{corrupt, to_view, visibility, ListingView};
use crate::access::{self, Caller, Objects};
use crate::{cases, Error};

/// What a search for a person's eligible listings judged them on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EligibilityBasis {
    #[schema(example = "X123456")]
    pub crn: String,
    /// The day the person's age is taken on (today).
    pub on: NaiveDate,
    /// The case's latest approved assessment, whose risk of serious harm and tier were
    /// checked; null when the case has none, and then only sex and age were.
    pub assessment_id: Option<String>,
    pub risk_of_serious_harm: Option<RiskOfHarm>,
    #[schema(minimum = 1, maximum = 4)]
    pub tier: Option<u8>,
    /// The parts of the eligibility checked: `sex`, `age`, and with an approved
    /// assessment `risk_of_serious_harm` and `tier`.
    pub checked: Vec<String>,
}

/// A page of the listings a person is eligible for, and what that was judged on.
#[derive(Debug, Clone)]
pub struct EligibleListings {
    pub page: Page<ListingView>,
    pub basis: EligibilityBasis,
}

/// What a search by the caller may show today: with the filter, the cursor and the page
/// size, all a search's answer depends on besides the supply itself.
pub fn search_visibility(caller: &Caller) -> Visibility {
    visibility(
        &listing::audience(caller.role, &caller.scope),
        caller.now.date_naive(),
    )
}

/// Searches listings the caller may see; with `eligible_for_crn`, only those a person is
/// eligible for (see [`search_eligible`]).
pub fn search(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &ListingFilter,
    eligible_for_crn: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<ListingView>, Error> {
    if let Some(crn) = eligible_for_crn {
        return Ok(search_eligible(conn, caller, filter, crn, after, limit)?.page);
    }
    let vis = search_visibility(caller);
    let page = store::search(conn, filter, &vis, after, limit)?;
    with_areas(conn, page)
}

/// The listings the caller may see that serve the case's area and whose eligibility (the
/// specification's, narrowed by the listing) admits the person: sex, age today, and —
/// from the case's latest approved assessment — risk of serious harm and tier, by the
/// matching engine's own rule. A case without an approved assessment is judged on sex
/// and age only, and the answer's basis says so.
pub fn search_eligible(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &ListingFilter,
    crn: &str,
    after: Option<String>,
    limit: usize,
) -> Result<EligibleListings, Error> {
    let (role, scope, now) = (caller.role, &caller.scope, caller.now);
    // A role that sees no case at all is told so, not that this case is unknown.
    if access::reach(role, scope, Objects::Cases).is_none() {
        return Err(access::not_a_reader(
            role,
            Objects::Cases,
            "cases (eligible_for_crn names one)",
        ));
    }
    let audience = listing::audience(role, scope);
    let today = now.date_naive();
    let vis = visibility(&audience, today);
    let case = cases::get(conn, caller, crn).map_err(|e| match e {
        Error::NotFound(_) => Error::invalid(
            "eligible_for_crn",
            "there is no case with this crn that you may see",
        ),
        other => other,
    })?;
    let assessed = assessments::latest_approved(conn, &case.crn)?
        .map(|a| -> Result<_, Error> {
            let risk = a.risk_of_serious_harm;
            let tier = u8::try_from(a.tier).map_err(|e| Error::corrupt("assessments.tier", e))?;
            Ok((a.id, risk, tier))
        })
        .transpose()?;
    let basis = EligibilityBasis {
        crn: case.crn.clone(),
        on: today,
        assessment_id: assessed.as_ref().map(|(id, _, _)| id.clone()),
        risk_of_serious_harm: assessed.as_ref().map(|(_, r, _)| *r),
        tier: assessed.as_ref().map(|(_, _, t)| *t),
        checked: if assessed.is_some() {
            vec!["sex", "age", "risk_of_serious_harm", "tier"]
        } else {
            vec!["sex", "age"]
        }
        .into_iter()
        .map(str::to_owned)
        .collect(),
    };
    if filter.area.as_deref().is_some_and(|a| a != case.area) {
        let page = Page {
            items: Vec::new(),
            next: None,
        };
        return Ok(EligibleListings { page, basis });
    }
    let filter = ListingFilter {
        area: Some(case.area.clone()),
        ..filter.clone()
    };
    let person = assessed.map(|(_, risk_of_harm, tier)| Person {
        sex: case.sex,
        date_of_birth: case.date_of_birth,
        risk_of_harm,
        tier,
    });
    let (sex, date_of_birth) = (case.sex, case.date_of_birth);
    let page = eligible_rows(conn, &filter, &vis, after, limit, |e| {
        admits(
            &Admission::from(e),
            person.as_ref(),
            sex,
            date_of_birth,
            today,
        )
    })?;
    Ok(EligibleListings {
        page: with_areas(conn, page)?,
        basis,
    })
}

/// Rule 5 as the engine applies it, for a day; sex and age only without an assessment.
fn admits(
    eligibility: &Admission,
    person: Option<&Person>,
    sex: Sex,
    date_of_birth: NaiveDate,
    on: NaiveDate,
) -> bool {
    match person {
        Some(person) => provider_hub_matching::admits(eligibility, person, on),
        None => {
            eligibility.admits_person(sex, provider_hub_domain::case::age_on(date_of_birth, on))
        }
    }
}

fn with_areas(conn: &mut DbConn, page: Page<ListingRow>) -> Result<Page<ListingView>, Error> {
    let ids: Vec<String> = page.items.iter().map(|l| l.id.clone()).collect();
    let mut areas_by_listing: HashMap<String, Vec<String>> = HashMap::new();
    for (listing_id, area) in store::areas_of(conn, &ids)? {
        areas_by_listing.entry(listing_id).or_default().push(area);
    }
    let mut names = provider_hub_store::names::of_listings(conn, &ids)?;
    page.try_map(|row| {
        let areas = areas_by_listing.remove(&row.id).unwrap_or_default();
        let named = names.remove(&row.id);
        to_view(row, areas, named)
    })
}

/// Listings in search order whose effective eligibility passes `admits`, a page at a time.
fn eligible_rows(
    conn: &mut DbConn,
    filter: &ListingFilter,
    vis: &Visibility,
    after: Option<String>,
    limit: usize,
    admits: impl Fn(&Eligibility) -> bool,
) -> Result<Page<ListingRow>, Error> {
    const BATCH: usize = 200;
    let mut specs: HashMap<String, Eligibility> = HashMap::new();
    let mut matched = Vec::new();
    let mut cursor = after;
    loop {
        let batch = store::search(conn, filter, vis, cursor.clone(), BATCH)?;
        let exhausted = batch.next.is_none();
        for row in batch.items {
            cursor = Some(row.id.clone());
            if !specs.contains_key(&row.specification_id) {
                let spec = specifications::find_by_id(conn, &row.specification_id)?
                    .ok_or_else(|| corrupt("specification_id", &row.specification_id))?;
                specs.insert(row.specification_id.clone(), spec.content.eligibility);
            }
            let narrowing: EligibilityNarrowing =
                serde_json::from_str(&row.eligibility).map_err(|e| corrupt("eligibility", e))?;
            let spec = specs
                .get(&row.specification_id)
                .ok_or_else(|| corrupt("specification_id", &row.id))?;
            if admits(&narrowing.apply_to(spec)) {
                matched.push(row);
                if matched.len() > limit {
                    return Ok(Page::from_rows(matched, limit, |r| r.id.clone()));
                }
            }
        }
        if exhausted {
            return Ok(Page::from_rows(matched, limit, |r| r.id.clone()));
        }
    }
}
