//! The availability quote form, for offender managers and courts: an area, the person's
//! profile and the requirements proposed; the answer is what the market offers for each
//! now. Nothing is held. Routes `/om/availability-quote` and `/court/availability-quote`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::quote::{ProposedRequirement, QuoteRequest};
use provider_hub_domain::{AreaCode, Category, Role};
use provider_hub_market::quote::{self, AvailabilityQuote};

use crate::form::{CsrfForm, Errors};
use crate::page::{self, render_status, Layout, WebError};
use crate::session::Person;
use crate::WebState;

struct Answer {
    category: String,
    start: String,
    earliest: String,
    price: String,
    provider: String,
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    layout: Layout,
    action: String,
    values: HashMap<String, String>,
    categories: Vec<(String, String)>,
    /// The first checkbox's id: where the requirements' error links to.
    first: String,
    errors: Errors,
    answers: Vec<Answer>,
}

impl QuotePage {
    fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn checked(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

fn home(person: &Person) -> Result<&'static str, WebError> {
    match person.role {
        Role::OffenderManager => Ok("/om"),
        Role::Court => Ok("/court"),
        role => Err(WebError::Forbidden(format!(
            "the {role} role does not ask for availability quotes"
        ))),
    }
}

fn page_of(
    person: &Person,
    values: HashMap<String, String>,
    errors: Errors,
    answers: Vec<Answer>,
) -> Result<QuotePage, WebError> {
    let home = home(person)?;
    let action = format!("{home}/availability-quote");
    Ok(QuotePage {
        layout: Layout::new(person, "Availability quote", &action).with_errors(!errors.is_empty()),
        action,
        values,
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), page::words(c.as_str())))
            .collect(),
        first: format!("req-{}", Category::ALL[0].as_str()),
        errors,
        answers,
    })
}

/// `GET …/availability-quote`: the empty form.
pub async fn form(person: Person) -> Result<HttpResponse, WebError> {
    let page = page_of(&person, HashMap::new(), Errors::default(), Vec::new())?;
    render_status(&page, StatusCode::OK)
}

fn parse(v: &HashMap<String, String>) -> (Option<QuoteRequest>, Errors) {
    let mut errors = Errors::default();
    let get = |name: &str| v.get(name).map(|s| s.trim()).unwrap_or_default();
    let area = AreaCode::parse(get("area")).ok();
    if area.is_none() {
        errors.add("area", "Enter the area's code, like SY-SHF");
    }
    let sex = get("sex").parse::<Sex>().ok();
    if sex.is_none() {
        errors.add("sex", "Select the person's sex");
    }
    let age = get("age")
        .parse::<u32>()
        .ok()
        .filter(|a| (10..=120).contains(a));
    if age.is_none() {
        errors.add("age", "Age must be a whole number from 10 to 120");
    }
    let risk = get("risk_of_serious_harm").parse::<RiskOfHarm>().ok();
    if risk.is_none() {
        errors.add("risk_of_serious_harm", "Select the risk of serious harm");
    }
    let tier = get("tier")
        .parse::<u8>()
        .ok()
        .filter(|t| (1..=4).contains(t));
    if tier.is_none() {
        errors.add("tier", "Select the risk tier");
    }
    let requirements: Vec<ProposedRequirement> = Category::ALL
        .iter()
        .filter(|c| v.contains_key(&format!("req-{}", c.as_str())))
        .map(|c| ProposedRequirement {
            category: *c,
            specification_code: None,
        })
        .collect();
    if requirements.is_empty() {
        errors.add(
            &format!("req-{}", Category::ALL[0].as_str()),
            "Select at least one requirement",
        );
    }
    match (area, sex, age, risk, tier) {
        (Some(area), Some(sex), Some(age), Some(risk), Some(tier)) if errors.is_empty() => (
            Some(QuoteRequest {
                area,
                sex,
                date_of_birth: None,
                age: Some(age),
                risk_of_serious_harm: risk,
                tier,
                requirements,
            }),
            errors,
        ),
        _ => (None, errors),
    }
}

fn answers(quote: &AvailabilityQuote, names: impl Fn(&str) -> String) -> Vec<Answer> {
    quote
        .requirements
        .iter()
        .map(|r| Answer {
            category: page::words(r.category.as_str()),
            start: r
                .starts_on
                .map(page::date)
                .unwrap_or_else(|| "No availability".into()),
            earliest: r.earliest_start_date.map(page::date).unwrap_or_else(|| {
                r.no_availability_reason
                    .clone()
                    .unwrap_or_else(|| "No listing meets every rule".into())
            }),
            price: r
                .price_pence
                .map(page::pounds)
                .unwrap_or_else(|| "–".into()),
            provider: r
                .provider_name
                .clone()
                .or_else(|| r.provider_id.as_deref().map(&names))
                .unwrap_or_else(|| "–".into()),
        })
        .collect()
}

/// `POST …/availability-quote`: the quote, under the form.
pub async fn ask(
    state: web::Data<WebState>,
    person: Person,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, WebError> {
    home(&person)?;
    let (asked, errors) = parse(&values);
    let Some(asked) = asked else {
        let page = page_of(&person, values, errors, Vec::new())?;
        return render_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let caller = person.caller(state.now());
    match state
        .db(move |conn| quote::quote(conn, &caller, asked))
        .await
    {
        Ok(quote) => {
            let page = page_of(
                &person,
                values,
                Errors::default(),
                answers(&quote, str::to_owned),
            )?;
            render_status(&page, StatusCode::OK)
        }
        Err(WebError::Conflict(reason)) => {
            // The use case's refusal (an unknown area), next to the area field.
            let mut errors = Errors::default();
            errors.add("area", reason);
            let page = page_of(&person, values, errors, Vec::new())?;
            render_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e),
    }
}
