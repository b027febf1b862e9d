//! The specification form: a new specification (version 1, a draft), editing a draft,
//! and starting a new version from the latest one. Every field is checked by the use
//! case's own rules; the form only turns text into the use case's types.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::category::Category;
use provider_hub_domain::need::{Need, RiskOfHarm, Sex, TIERS};
use provider_hub_domain::specification::{
    DeliveryFormat, DeliveryStandard, Eligibility, Milestone, NewSpecification, OutcomeSplit,
    PaymentModel, PaymentShare, SpecCode, SpecificationContent, SpecificationPatch,
};
use provider_hub_market::specifications;
use serde::Deserialize;

use super::multiplier_fields::{self, MultiplierField};
use super::quality;
use super::specifications::detail;
use crate::form::{pounds_field, refusal, typed_pence, Choice, CsrfForm, Errors};
use crate::page::{self, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// The form as typed. Needs, sexes and tiers are checkboxes named `need-<code>`,
/// `sex-<code>` and `tier-<n>`; each milestone's share is a percentage, empty for none.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SpecificationForm {
    pub code: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub min_sessions: String,
    pub min_hours: String,
    pub format: String,
    pub unit_of_purchase: String,
    pub price_cap: String,
    pub min_age: String,
    pub max_age: String,
    pub max_risk_of_harm: String,
    pub start_percent: String,
    pub completion_percent: String,
    pub outcome_percent: String,
    /// The outcome measurement period in months (blank: the default, 12).
    pub outcome_period_months: String,
    /// The graduated outcome payment's binary and frequency parts, in per cent (blank:
    /// 50 each).
    pub outcome_binary_percent: String,
    pub outcome_frequency_percent: String,
    #[serde(flatten)]
    pub rest: HashMap<String, String>,
}

impl SpecificationForm {
    fn ticked(&self, prefix: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .rest
            .keys()
            .filter_map(|k| k.strip_prefix(prefix).map(str::to_owned))
            .collect();
        out.sort();
        out
    }

    fn of(code: &str, c: &SpecificationContent) -> Self {
        let mut rest = HashMap::new();
        for n in &c.needs {
            rest.insert(format!("need-{}", n.as_str()), "yes".to_owned());
        }
        for s in &c.eligibility.sexes {
            rest.insert(format!("sex-{}", s.as_str()), "yes".to_owned());
        }
        for t in &c.eligibility.tiers {
            rest.insert(format!("tier-{t}"), "yes".to_owned());
        }
        multiplier_fields::fields_of(&c.payment_model.multipliers, &mut rest);
        let share = |m: Milestone| {
            c.payment_model
                .milestones
                .iter()
                .find(|s| s.milestone == m)
                .map(|s| s.percent.to_string())
                .unwrap_or_default()
        };
        SpecificationForm {
            code: code.to_owned(),
            title: c.title.clone(),
            description: c.description.clone(),
            category: c.category.as_str().to_owned(),
            min_sessions: c.delivery_standard.min_sessions.to_string(),
            min_hours: c.delivery_standard.min_hours.to_string(),
            format: c.delivery_standard.format.as_str().to_owned(),
            unit_of_purchase: c.unit_of_purchase.clone(),
            price_cap: pounds_field(c.price_cap_pence),
            min_age: c.eligibility.min_age.to_string(),
            max_age: c.eligibility.max_age.to_string(),
            max_risk_of_harm: c.eligibility.max_risk_of_harm.as_str().to_owned(),
            start_percent: share(Milestone::Start),
            completion_percent: share(Milestone::Completion),
            outcome_percent: share(Milestone::Outcome),
            outcome_period_months: c.payment_model.outcome_period_months.to_string(),
            outcome_binary_percent: c.payment_model.outcome.binary_percent.to_string(),
            outcome_frequency_percent: c.payment_model.outcome.frequency_percent.to_string(),
            rest,
        }
    }
}

/// What the form edits.
#[derive(Debug, Clone)]
enum Editing {
    /// A new specification.
    New,
    /// A draft version.
    Draft(String, i32),
    /// A new version of a specification.
    NextVersion(String),
}

#[derive(Template)]
#[template(path = "quality/specification_form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    back: String,
    new: bool,
    form: SpecificationForm,
    categories: Vec<Choice>,
    needs: Vec<Choice>,
    formats: Vec<Choice>,
    sexes: Vec<Choice>,
    risks: Vec<Choice>,
    tiers: Vec<Choice>,
    tier_multipliers: Vec<MultiplierField>,
    rosh_multipliers: Vec<MultiplierField>,
    button: &'static str,
    errors: Errors,
}

fn radios(options: &[&'static str], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: page::words(v),
            checked: *v == chosen,
        })
        .collect()
}

fn checkboxes(options: &[&'static str], ticked: &[String]) -> Vec<Choice> {
    options
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: page::words(v),
            checked: ticked.iter().any(|t| t == v),
        })
        .collect()
}

fn form_page(
    person: &Person,
    editing: &Editing,
    form: SpecificationForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let (title, action, back, button) = match editing {
        Editing::New => (
            "Create a specification".to_owned(),
            "/quality/specifications/new".to_owned(),
            "/quality".to_owned(),
            "Save as a draft",
        ),
        Editing::Draft(code, v) => (
            format!("Edit {code} version {v}"),
            format!("/quality/specifications/{code}/versions/{v}/edit"),
            format!("/quality/specifications/{code}"),
            "Save the draft",
        ),
        Editing::NextVersion(code) => (
            format!("Start a new version of {code}"),
            format!("/quality/specifications/{code}/versions/new"),
            format!("/quality/specifications/{code}"),
            "Save as a draft version",
        ),
    };
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    let needs: Vec<&str> = Need::ALL.iter().map(|n| n.as_str()).collect();
    let formats: Vec<&str> = DeliveryFormat::ALL.iter().map(|f| f.as_str()).collect();
    let sexes: Vec<&str> = Sex::ALL.iter().map(|s| s.as_str()).collect();
    let risks: Vec<&str> = RiskOfHarm::ALL.iter().map(|r| r.as_str()).collect();
    let tiers: Vec<Choice> = TIERS
        .map(|t| Choice {
            value: t.to_string(),
            label: format!("Tier {t}"),
            checked: form.rest.contains_key(&format!("tier-{t}")),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    let (tier_multipliers, rosh_multipliers) = multiplier_fields::fields(&form.rest);
    render_status(
        &FormPage {
            layout: Layout::new(person, title, "/quality").with_errors(has_errors),
            action,
            back,
            new: matches!(editing, Editing::New),
            categories: radios(&categories, &form.category),
            needs: checkboxes(&needs, &form.ticked("need-")),
            formats: radios(&formats, &form.format),
            sexes: checkboxes(&sexes, &form.ticked("sex-")),
            risks: radios(&risks, &form.max_risk_of_harm),
            tiers,
            tier_multipliers,
            rosh_multipliers,
            form,
            button,
            errors,
        },
        status,
    )
}

/// The form's field a use case's field error belongs on.
fn field_id(field: &str) -> String {
    if let Some(id) = multiplier_fields::field_id(field) {
        return id;
    }
    match field {
        "delivery_standard.min_sessions" => "min_sessions",
        "delivery_standard.min_hours" => "min_hours",
        "price_cap_pence" => "price_cap",
        "eligibility.sexes" => "sexes",
        "eligibility.min_age" => "min_age",
        "eligibility.max_age" => "max_age",
        "eligibility.tiers" => "tiers",
        "payment_model.outcome_period_months" => "outcome_period_months",
        "payment_model.outcome" => "outcome_binary_percent",
        f if f.starts_with("payment_model") => "start_percent",
        "code" | "title" | "description" | "needs" | "unit_of_purchase" => field,
        _ => "title",
    }
    .to_owned()
}

const LABELS: &[(&str, &str)] = &[
    ("code", "Code"),
    ("title", "Title"),
    ("description", "Description"),
    ("needs", "Needs addressed"),
    ("min_sessions", "Sessions"),
    ("min_hours", "Hours"),
    ("unit_of_purchase", "Unit of purchase"),
    ("price_cap", "Price cap"),
    ("sexes", "Who it is for"),
    ("min_age", "Youngest age"),
    ("max_age", "Oldest age"),
    ("tiers", "Tiers"),
    ("start_percent", "Payment"),
    ("outcome_period_months", "Outcome measurement period"),
];

/// The error summary's labels, the multipliers' included.
fn labels() -> Vec<(&'static str, &'static str)> {
    LABELS
        .iter()
        .chain(multiplier_fields::LABELS)
        .copied()
        .collect()
}

fn number<T: std::str::FromStr>(
    text: &str,
    id: &str,
    what: &str,
    errors: &mut Errors,
) -> Option<T> {
    let n = text.trim().parse().ok();
    if n.is_none() {
        errors.add(id, format!("Enter {what} as a whole number"));
    }
    n
}

/// A whole number as typed, or `default` when the field is left empty; `field` is the
/// field's id and what it holds, for the error.
fn number_or<T: std::str::FromStr>(
    text: &str,
    default: T,
    field: (&str, &str),
    errors: &mut Errors,
) -> Option<T> {
    if text.trim().is_empty() {
        Some(default)
    } else {
        number(text, field.0, field.1, errors)
    }
}

/// The form as the use case's content; the errors of what does not parse (the use
/// case's own rules check the rest).
fn typed(form: &SpecificationForm, errors: &mut Errors) -> Option<SpecificationContent> {
    let category = form.category.parse::<Category>().ok();
    if category.is_none() {
        errors.add("category", "Select the category");
    }
    let needs: Vec<Need> = form
        .ticked("need-")
        .iter()
        .filter_map(|n| n.parse().ok())
        .collect();
    let min_sessions = number(&form.min_sessions, "min_sessions", "the sessions", errors);
    let min_hours = number(&form.min_hours, "min_hours", "the hours", errors);
    let format = form.format.parse::<DeliveryFormat>().ok();
    if format.is_none() {
        errors.add("format", "Select how sessions are delivered");
    }
    let price_cap = typed_pence(&form.price_cap);
    if price_cap.is_none() {
        errors.add("price_cap", "Enter the price cap in pounds, like 600");
    }
    let sexes: Vec<Sex> = form
        .ticked("sex-")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let min_age = number(&form.min_age, "min_age", "the youngest age", errors);
    let max_age = number(&form.max_age, "max_age", "the oldest age", errors);
    let risk = form.max_risk_of_harm.parse::<RiskOfHarm>().ok();
    if risk.is_none() {
        errors.add(
            "max_risk_of_harm",
            "Select the highest risk of serious harm",
        );
    }
    let tiers: Vec<u8> = form
        .ticked("tier-")
        .iter()
        .filter_map(|t| t.parse().ok())
        .collect();
    let mut milestones = Vec::new();
    for (text, milestone, id) in [
        (&form.start_percent, Milestone::Start, "start_percent"),
        (
            &form.completion_percent,
            Milestone::Completion,
            "completion_percent",
        ),
        (&form.outcome_percent, Milestone::Outcome, "outcome_percent"),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        if let Some(percent) = number(text, id, "the percentage", errors) {
            milestones.push(PaymentShare { milestone, percent });
        }
    }
    let multipliers = multiplier_fields::typed(&form.rest, errors);
    let defaults = PaymentModel::of(Vec::new());
    let outcome_period_months = number_or(
        &form.outcome_period_months,
        defaults.outcome_period_months,
        ("outcome_period_months", "the months"),
        errors,
    );
    let binary_percent = number_or(
        &form.outcome_binary_percent,
        defaults.outcome.binary_percent,
        ("outcome_binary_percent", "the binary part's percentage"),
        errors,
    );
    let frequency_percent = number_or(
        &form.outcome_frequency_percent,
        defaults.outcome.frequency_percent,
        (
            "outcome_frequency_percent",
            "the frequency part's percentage",
        ),
        errors,
    );
    if !errors.is_empty() {
        return None;
    }
    Some(SpecificationContent {
        title: form.title.trim().to_owned(),
        description: form.description.trim().to_owned(),
        category: category?,
        needs,
        delivery_standard: DeliveryStandard {
            min_sessions: min_sessions?,
            min_hours: min_hours?,
            format: format?,
        },
        unit_of_purchase: form.unit_of_purchase.trim().to_owned(),
        price_cap_pence: price_cap?,
        eligibility: Eligibility {
            sexes,
            min_age: min_age?,
            max_age: max_age?,
            max_risk_of_harm: risk?,
            tiers,
        },
        payment_model: PaymentModel {
            multipliers,
            outcome_period_months: outcome_period_months?,
            outcome: OutcomeSplit {
                binary_percent: binary_percent?,
                frequency_percent: frequency_percent?,
            },
            ..PaymentModel::of(milestones)
        },
    })
}

/// The whole content as a patch: the form shows every field.
fn patch(c: SpecificationContent) -> SpecificationPatch {
    SpecificationPatch {
        title: Some(c.title),
        description: Some(c.description),
        category: Some(c.category),
        needs: Some(c.needs),
        delivery_standard: Some(c.delivery_standard),
        unit_of_purchase: Some(c.unit_of_purchase),
        price_cap_pence: Some(c.price_cap_pence),
        eligibility: Some(c.eligibility),
        payment_model: Some(c.payment_model),
    }
}

pub async fn new_specification(person: Person) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let form = SpecificationForm {
        min_age: "18".into(),
        max_age: "120".into(),
        ..SpecificationForm::default()
    };
    form_page(&person, &Editing::New, form, Errors::default())
}

/// Creates version 1 of a new specification, as a draft.
pub async fn create(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(form): CsrfForm<SpecificationForm>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let mut errors = Errors::default();
    let code = SpecCode::parse(form.code.trim());
    if let Err(e) = &code {
        errors.add("code", format!("Code {e}"));
    }
    let content = typed(&form, &mut errors);
    let (Ok(code), Some(c)) = (code, content) else {
        return form_page(&person, &Editing::New, form, errors);
    };
    let new = NewSpecification {
        code,
        title: c.title,
        description: c.description,
        category: c.category,
        needs: c.needs,
        delivery_standard: c.delivery_standard,
        unit_of_purchase: c.unit_of_purchase,
        price_cap_pence: c.price_cap_pence,
        eligibility: c.eligibility,
        payment_model: c.payment_model,
    };
    let (actor, now) = (person.actor(), state.now());
    let result = state
        .db(move |conn| Ok(specifications::create(conn, &actor, new, now)))
        .await?;
    match result {
        Ok(v) => {
            session::flash(
                &session,
                format!("Draft {} version {} created", v.code, v.version),
            );
            Ok(see_other(&format!("/quality/specifications/{}", v.code)))
        }
        Err(e) => {
            let errors = refusal(e, field_id, &labels(), "code")?;
            form_page(&person, &Editing::New, form, errors)
        }
    }
}

pub async fn edit(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let (code, version) = path.into_inner();
    let c = code.clone();
    let v = state
        .db(move |conn| specifications::get_version(conn, &c, version))
        .await?;
    v.status
        .edit()
        .map_err(|e| WebError::Conflict(e.to_string()))?;
    let form = SpecificationForm::of(&code, &v.content);
    form_page(
        &person,
        &Editing::Draft(code, version),
        form,
        Errors::default(),
    )
}

/// Saves a draft version.
pub async fn update(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, i32)>,
    CsrfForm(form): CsrfForm<SpecificationForm>,
) -> Result<HttpResponse, WebError> {
    let (code, version) = path.into_inner();
    save(state, person, session, Editing::Draft(code, version), form).await
}

/// The form for a new version, filled in from the latest version.
pub async fn new_version(
    state: web::Data<WebState>,
    person: Person,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let d = detail(&state, code.into_inner()).await?;
    let latest = d.versions.last().ok_or(WebError::NotFound)?;
    let code = d.code.as_str().to_owned();
    let form = SpecificationForm::of(&code, &latest.content);
    form_page(
        &person,
        &Editing::NextVersion(code),
        form,
        Errors::default(),
    )
}

/// Starts a new draft version.
pub async fn create_version(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<SpecificationForm>,
) -> Result<HttpResponse, WebError> {
    save(
        state,
        person,
        session,
        Editing::NextVersion(code.into_inner()),
        form,
    )
    .await
}

/// Saves a draft (`update_draft`) or starts the next version (`new_version`): the form's
/// errors, or the use case's refusal in its words, on the form again.
async fn save(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    editing: Editing,
    form: SpecificationForm,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let mut errors = Errors::default();
    let Some(content) = typed(&form, &mut errors) else {
        return form_page(&person, &editing, form, errors);
    };
    let (actor, now, target) = (person.actor(), state.now(), editing.clone());
    let result = state
        .db(move |conn| {
            Ok(match &target {
                Editing::Draft(code, version) => {
                    specifications::update_draft(conn, &actor, code, *version, patch(content), now)
                }
                Editing::NextVersion(code) => {
                    specifications::new_version(conn, &actor, code, patch(content), now)
                }
                Editing::New => Err(provider_hub_market::Error::NotFound(
                    "specification version".into(),
                )),
            })
        })
        .await?;
    match result {
        Ok(v) => {
            let done = match editing {
                Editing::NextVersion(_) => "created",
                _ => "saved",
            };
            session::flash(
                &session,
                format!("Draft {} version {} {done}", v.code, v.version),
            );
            Ok(see_other(&format!("/quality/specifications/{}", v.code)))
        }
        Err(e) => {
            let errors = refusal(e, field_id, &labels(), "title")?;
            form_page(&person, &editing, form, errors)
        }
    }
}
