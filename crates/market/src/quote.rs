//! Availability quotes (SPEC.md §2): before sentence, an offender manager or a court asks
//! what the market could offer now for each proposed requirement — the same matching
//! rules and the area's policy as a placement, with no place held and nothing written.

use chrono::NaiveDate;
use provider_hub_domain::quote::QuoteRequest;
use provider_hub_domain::{Category, Role};
use provider_hub_matching::{place, Exclusion, Person, Request};
use provider_hub_store::{areas, providers, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::{placement, plans, supply, Error};

/// What the market offers now for one proposed requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct QuotedRequirement {
    pub category: Category,
    #[schema(required = true)]
    pub specification_code: Option<String>,
    /// The latest start a plan made today would allow (today plus the category's lead
    /// time): places starting later are not counted.
    pub required_by: NaiveDate,
    /// Whether some listing meets every rule now.
    pub available: bool,
    /// The start date of the place the area's policy would choose now.
    #[schema(required = true)]
    pub starts_on: Option<NaiveDate>,
    /// The earliest start date any listing meeting every rule offers now.
    #[schema(required = true)]
    pub earliest_start_date: Option<NaiveDate>,
    /// The price of the place the policy would choose, in pence.
    #[schema(required = true)]
    pub price_pence: Option<i64>,
    #[schema(required = true)]
    pub listing_id: Option<String>,
    #[schema(required = true)]
    pub provider_id: Option<String>,
    #[schema(required = true)]
    pub provider_name: Option<String>,
    /// Listings looked at.
    pub considered: u32,
    /// Listings excluded by each rule.
    pub excluded: Vec<Exclusion>,
    /// With no availability: why, in words.
    #[schema(required = true)]
    pub no_availability_reason: Option<String>,
}

/// An availability quote: as of today, under the area's policy; nothing is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AvailabilityQuote {
    pub area: String,
    pub quoted_on: NaiveDate,
    /// `best_price` or `best_value`.
    pub policy: String,
    /// One answer per proposed requirement, in the order asked.
    pub requirements: Vec<QuotedRequirement>,
}

/// Quotes each proposed requirement against today's market. An offender manager or a
/// court may ask, for any area the hub knows; nothing is written.
pub fn quote(
    conn: &mut DbConn,
    caller: &Caller,
    asked: QuoteRequest,
) -> Result<AvailabilityQuote, Error> {
    caller.require(&[Role::OffenderManager, Role::Court])?;
    let today = caller.now.date_naive();
    let date_of_birth = asked.check(today)?;
    let area = asked.area.as_str().to_owned();
    if areas::find(conn, &area)?.is_none() {
        return Err(Error::invalid("area", "there is no area with this code"));
    }
    let person = Person {
        sex: asked.sex,
        date_of_birth,
        risk_of_harm: asked.risk_of_serious_harm,
        tier: asked.tier,
    };
    let lead_times = plans::current_lead_times(conn)?;
    let market = supply::market(conn, today)?;
    let policy = placement::policy_of(conn, &area)?;
    let mut answers = Vec::with_capacity(asked.requirements.len());
    for proposed in &asked.requirements {
        let required_by =
            today + chrono::Duration::days(i64::from(lead_times.days(proposed.category)));
        let request = Request {
            category: proposed.category,
            specification_code: proposed
                .specification_code
                .as_ref()
                .map(|c| c.as_str().to_owned()),
            area: area.clone(),
            person: person.clone(),
            required_by,
            excluded_listings: Default::default(),
            not_before: None,
            // A person not yet known to the hub has no provider to continue with.
            continuing: Vec::new(),
        };
        let listings = supply::load(conn, proposed.category, Some(&area), today, required_by)?;
        let elsewhere = supply::elsewhere(conn, proposed.category, &area)?;
        let explanation =
            place(&request, &listings, &market, policy).with_elsewhere(elsewhere, &request);
        let earliest_start_date = explanation.earliest_start;
        let chosen = explanation.chosen.clone();
        let provider_name = match &chosen {
            Some(c) => providers::find(conn, &c.provider_id)?.map(|p| p.name),
            None => None,
        };
        answers.push(QuotedRequirement {
            category: proposed.category,
            specification_code: request.specification_code.clone(),
            required_by,
            available: chosen.is_some(),
            starts_on: chosen.as_ref().map(|c| c.starts_on),
            earliest_start_date,
            price_pence: chosen.as_ref().map(|c| c.price_pence),
            listing_id: chosen.as_ref().map(|c| c.listing_id.clone()),
            provider_id: chosen.as_ref().map(|c| c.provider_id.clone()),
            provider_name,
            considered: explanation.considered,
            excluded: explanation.excluded.clone(),
            no_availability_reason: if chosen.is_none() {
                explanation.no_candidate_reason.clone()
            } else {
                None
            },
        });
    }
    Ok(AvailabilityQuote {
        area,
        quoted_on: today,
        policy: plans::policy_name(policy).to_owned(),
        requirements: answers,
    })
}
