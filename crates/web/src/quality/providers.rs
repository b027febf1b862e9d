//! Providers as the quality team sees them: each with its accreditations and membership
//! per category; recording an accreditation; suspending, reinstating and revoking with
//! a reason.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::category::Category;
use provider_hub_domain::provider::{
    IllegalStandingChange, NewAccreditation, ProviderStatus, Standing,
};
use provider_hub_domain::Scope;
use provider_hub_market::providers::{self, ProviderView, StandingChange};
use serde::Deserialize;

use super::quality;
use crate::form::{refusal, typed_date, Choice, CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

pub(super) struct ProviderRow {
    pub id: String,
    pub name: String,
    pub tag: Tag,
    pub members_of: String,
    /// Current accreditations: `Unpaid work 72`.
    pub scores: Vec<String>,
}

fn categories_words(categories: &[Category]) -> String {
    if categories.is_empty() {
        return "None".into();
    }
    categories
        .iter()
        .map(|c| page::words(c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Template)]
#[template(path = "quality/providers.html")]
struct ProvidersPage {
    layout: Layout,
    threshold: u8,
    rows: Vec<ProviderRow>,
    /// Each category with members and the names of its members.
    membership: Vec<(String, Vec<String>)>,
}

/// `/quality/providers`: every provider, and the members of each category.
pub async fn list(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let mut all = crate::all::providers(&state).await?;
    all.sort_by(|a, b| a.name.cmp(&b.name));
    let threshold = state.db(providers::threshold).await?.threshold;
    let rows = all
        .iter()
        .map(|p| ProviderRow {
            id: p.id.clone(),
            name: p.name.clone(),
            tag: Tag::of(p.status.as_str()),
            members_of: categories_words(&p.member_categories),
            scores: p
                .accreditations
                .iter()
                .filter(|a| a.current)
                .map(|a| format!("{} {}", page::words(a.category.as_str()), a.score))
                .collect(),
        })
        .collect();
    let membership = Category::ALL
        .iter()
        .filter_map(|c| {
            let members: Vec<String> = all
                .iter()
                .filter(|p| p.member_categories.contains(c))
                .map(|p| p.name.clone())
                .collect();
            (!members.is_empty()).then(|| (page::words(c.as_str()), members))
        })
        .collect();
    render(&ProvidersPage {
        layout: Layout::new(&person, "Providers", "/quality/providers"),
        threshold,
        rows,
        membership,
    })
}

pub(super) struct AccreditationRow {
    pub category: String,
    pub score: u8,
    /// The performance-adjusted score and the evidence behind it, in words.
    pub adjusted_score: u8,
    pub evidence: String,
    pub assessed_on: String,
    pub expires_on: String,
    pub notes: String,
    pub tag: Tag,
}

#[derive(Template)]
#[template(path = "quality/provider.html")]
struct ProviderPage {
    layout: Layout,
    p: ProviderView,
    tag: Tag,
    sector: String,
    members_of: String,
    accreditations: Vec<AccreditationRow>,
    /// The standing changes the domain allows: (action, button).
    actions: Vec<(&'static str, &'static str)>,
    can_accredit: bool,
}

fn standing_of(status: ProviderStatus) -> Standing {
    match status {
        ProviderStatus::Applicant | ProviderStatus::Member => Standing::Active,
        ProviderStatus::Suspended => Standing::Suspended,
        ProviderStatus::Revoked => Standing::Revoked,
    }
}

type Rule = fn(Standing) -> Result<Standing, IllegalStandingChange>;

/// The standing changes: (action, button, rule, audit action, done).
const CHANGES: &[(&str, &str, Rule, &str, &str)] = &[
    (
        "suspend",
        "Suspend the provider",
        Standing::suspend,
        "provider.suspended",
        "suspended",
    ),
    (
        "reinstate",
        "Reinstate the provider",
        Standing::reinstate,
        "provider.reinstated",
        "reinstated",
    ),
    (
        "revoke",
        "Revoke the provider",
        Standing::revoke,
        "provider.revoked",
        "revoked",
    ),
];

pub(super) async fn one(state: &WebState, id: String) -> Result<ProviderView, WebError> {
    let now = state.now();
    state
        .db(move |conn| providers::get(conn, &Scope::Hub, &id, now))
        .await
}

/// The evidence behind an adjusted score, in words.
pub(crate) fn evidence_words(e: &provider_hub_domain::performance::Evidence) -> String {
    if e.is_empty() {
        return "No orders ended or outcomes recorded yet".into();
    }
    format!(
        "Orders: {} completed, {} failed. Outcomes: {} without reoffending, {} with",
        e.completed, e.failed, e.positive_outcomes, e.negative_outcomes
    )
}

/// A provider: who it is, its standing, its accreditations and membership.
pub async fn provider(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let p = one(&state, id.into_inner()).await?;
    let standing = standing_of(p.status);
    let accreditations = p
        .accreditations
        .iter()
        .map(|a| AccreditationRow {
            category: page::words(a.category.as_str()),
            score: a.score,
            adjusted_score: a.adjusted_score,
            evidence: evidence_words(&a.evidence),
            assessed_on: page::date(a.assessed_on),
            expires_on: page::date(a.expires_on),
            notes: a.notes.clone(),
            tag: match (a.current, a.qualifies_today) {
                (false, _) => Tag::of("superseded"),
                (true, true) => Tag::of("member"),
                (true, false) => Tag {
                    text: "Does not count".into(),
                    class: "govuk-tag--grey",
                },
            },
        })
        .collect();
    render(&ProviderPage {
        layout: Layout::new(&person, p.name.clone(), "/quality/providers"),
        tag: Tag::of(p.status.as_str()),
        sector: page::words(p.sector.as_str()),
        members_of: categories_words(&p.member_categories),
        accreditations,
        actions: CHANGES
            .iter()
            .filter(|(_, _, rule, _, _)| rule(standing).is_ok())
            .map(|(action, button, _, _, _)| (*action, *button))
            .collect(),
        can_accredit: standing != Standing::Revoked,
        p,
    })
}

/// The accreditation form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccreditationForm {
    pub category: String,
    pub score: String,
    #[serde(rename = "assessed_on-day")]
    pub assessed_day: String,
    #[serde(rename = "assessed_on-month")]
    pub assessed_month: String,
    #[serde(rename = "assessed_on-year")]
    pub assessed_year: String,
    #[serde(rename = "expires_on-day")]
    pub expires_day: String,
    #[serde(rename = "expires_on-month")]
    pub expires_month: String,
    #[serde(rename = "expires_on-year")]
    pub expires_year: String,
    pub notes: String,
}

/// A date field of the form: day, month and year.
pub(super) struct DateField {
    pub id: &'static str,
    pub legend: &'static str,
    pub hint: &'static str,
    pub day: String,
    pub month: String,
    pub year: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "quality/accreditation_form.html")]
struct AccreditationPage {
    layout: Layout,
    id: String,
    name: String,
    form: AccreditationForm,
    categories: Vec<Choice>,
    dates: Vec<DateField>,
    errors: Errors,
}

fn accreditation_page(
    person: &Person,
    p: &ProviderView,
    form: AccreditationForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let categories = Category::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_owned(),
            label: page::words(c.as_str()),
            checked: c.as_str() == form.category,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    let dates = vec![
        DateField {
            id: "assessed_on",
            legend: "Date assessed",
            hint: "Not in the future, for example 27 3 2026",
            day: form.assessed_day.clone(),
            month: form.assessed_month.clone(),
            year: form.assessed_year.clone(),
            error: errors.get("assessed_on-day").map(str::to_owned),
        },
        DateField {
            id: "expires_on",
            legend: "Expiry date",
            hint: "The first day it no longer counts, within five years of the assessment",
            day: form.expires_day.clone(),
            month: form.expires_month.clone(),
            year: form.expires_year.clone(),
            error: errors.get("expires_on-day").map(str::to_owned),
        },
    ];
    render_status(
        &AccreditationPage {
            dates,
            layout: Layout::new(person, "Record an accreditation", "/quality/providers")
                .with_errors(has_errors),
            id: p.id.clone(),
            name: p.name.clone(),
            form,
            categories,
            errors,
        },
        status,
    )
}

pub async fn new_accreditation(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let p = one(&state, id.into_inner()).await?;
    let today = state.now().date_naive();
    let form = AccreditationForm {
        assessed_day: today.format("%-d").to_string(),
        assessed_month: today.format("%-m").to_string(),
        assessed_year: today.format("%Y").to_string(),
        ..AccreditationForm::default()
    };
    accreditation_page(&person, &p, form, Errors::default())
}

fn accreditation_field(field: &str) -> String {
    match field {
        "score" | "notes" | "category" => field.to_owned(),
        "assessed_on" => "assessed_on-day".into(),
        "expires_on" => "expires_on-day".into(),
        _ => "category".into(),
    }
}

const ACCREDITATION_LABELS: &[(&str, &str)] = &[
    ("score", "Score"),
    ("assessed_on-day", "Date assessed"),
    ("expires_on-day", "Expiry date"),
    ("notes", "Notes"),
];

/// Records an accreditation; it supersedes the provider's previous one for the category.
pub async fn accredit(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<AccreditationForm>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let p = one(&state, id.into_inner()).await?;
    let mut errors = Errors::default();
    let category = form.category.parse::<Category>().ok();
    if category.is_none() {
        errors.add("category", "Select the category assessed");
    }
    let score = form.score.trim().parse::<u8>().ok();
    if score.is_none() {
        errors.add("score", "Enter the score as a whole number from 0 to 100");
    }
    let assessed_on = typed_date(
        &form.assessed_day,
        &form.assessed_month,
        &form.assessed_year,
    );
    if assessed_on.is_none() {
        errors.add("assessed_on-day", "Enter the date assessed as a real date");
    }
    let expires_on = typed_date(&form.expires_day, &form.expires_month, &form.expires_year);
    if expires_on.is_none() {
        errors.add("expires_on-day", "Enter the expiry date as a real date");
    }
    let (Some(category), Some(score), Some(assessed_on), Some(expires_on)) =
        (category, score, assessed_on, expires_on)
    else {
        return accreditation_page(&person, &p, form, errors);
    };
    let new = NewAccreditation {
        category,
        score,
        assessed_on,
        expires_on,
        notes: form.notes.trim().to_owned(),
    };
    let (actor, now, provider_id) = (person.actor(), state.now(), p.id.clone());
    let result = state
        .db(move |conn| Ok(providers::accredit(conn, &actor, &provider_id, new, now)))
        .await?;
    match result {
        Ok(after) => {
            session::flash(
                &session,
                format!(
                    "Accreditation for {} recorded: {} scores {score}",
                    page::words(category.as_str()).to_lowercase(),
                    after.name
                ),
            );
            Ok(see_other(&format!("/quality/providers/{}", after.id)))
        }
        Err(e) => {
            let errors = refusal(e, accreditation_field, ACCREDITATION_LABELS, "category")?;
            accreditation_page(&person, &p, form, errors)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReasonForm {
    pub reason: String,
}

#[derive(Template)]
#[template(path = "quality/standing.html")]
struct StandingPage {
    layout: Layout,
    id: String,
    name: String,
    action: &'static str,
    button: &'static str,
    reason: String,
    errors: Errors,
}

fn change_of(
    action: &str,
) -> Result<&'static (&'static str, &'static str, Rule, &'static str, &'static str), WebError> {
    CHANGES
        .iter()
        .find(|(a, _, _, _, _)| *a == action)
        .ok_or(WebError::NotFound)
}

fn standing_page(
    person: &Person,
    p: &ProviderView,
    action: &'static str,
    button: &'static str,
    reason: String,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    render_status(
        &StandingPage {
            layout: Layout::new(person, button, "/quality/providers").with_errors(has_errors),
            id: p.id.clone(),
            name: p.name.clone(),
            action,
            button,
            reason,
            errors,
        },
        status,
    )
}

/// The reason form of a suspension, reinstatement or revocation.
pub async fn standing_form(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let (id, action) = path.into_inner();
    let (action, button, _, _, _) = change_of(&action)?;
    let p = one(&state, id).await?;
    standing_page(
        &person,
        &p,
        action,
        button,
        String::new(),
        Errors::default(),
    )
}

/// Suspends, reinstates or revokes; a refusal shows the use case's reason.
pub async fn change_standing(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let (id, action) = path.into_inner();
    let (action, button, rule, audit_action, done) = *change_of(&action)?;
    let p = one(&state, id).await?;
    let (caller, settings, provider_id) =
        (person.caller(state.now()), state.matching, p.id.clone());
    let change = StandingChange {
        reason: form.reason.clone(),
    };
    let result = state
        .db(move |conn| {
            Ok(providers::change_standing(
                conn,
                &caller,
                &provider_id,
                change,
                rule,
                audit_action,
                settings,
            ))
        })
        .await?;
    match result {
        Ok(after) => {
            session::flash(&session, format!("{} {done}", after.name));
            Ok(see_other(&format!("/quality/providers/{}", after.id)))
        }
        Err(e) => {
            let errors = refusal(e, |_| "reason".into(), &[("reason", "Reason")], "reason")?;
            standing_page(&person, &p, action, button, form.reason, errors)
        }
    }
}
