//! Areas' matching policies: every area with its policy, and an area's policy form
//! (`best_price`, or `best_value` with weights on price, quality and days to start) —
//! `policies::set`, as the API's `PUT /v1/areas/{code}/policy`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::area::PolicyKind;
use provider_hub_market::policies::{self, PolicyView, SetPolicy};
use provider_hub_market::Error as MarketError;
use provider_hub_matching::Weights;
use serde::Deserialize;

use super::{all_areas, commissioner};
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// A policy in words: `Best price`, `Best value (price 1, quality 500, days 200)`.
fn describe(p: &PolicyView) -> String {
    match (&p.policy, &p.weights) {
        (PolicyKind::BestValue, Some(w)) => format!(
            "Best value (price {}, quality {}, days to start {}, continuity {})",
            w.price,
            w.quality,
            w.days,
            provider_hub_matching::pounds(i64::from(w.continuity_pence))
        ),
        (kind, _) => page::words(kind.as_str()),
    }
}

struct AreaRow {
    code: String,
    name: String,
    policy: String,
    set: String,
}

#[derive(Template)]
#[template(path = "commissioner/areas.html")]
struct AreasPage {
    layout: Layout,
    rows: Vec<AreaRow>,
}

/// `/commissioner/areas`: each area's matching policy.
pub async fn areas(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let areas = all_areas(&state).await?;
    let codes: Vec<String> = areas.iter().map(|a| a.code.clone()).collect();
    let found = state
        .db(move |conn| {
            codes
                .iter()
                .map(|c| policies::get(conn, c))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let rows = areas
        .iter()
        .zip(&found)
        .map(|(a, p)| AreaRow {
            code: a.code.clone(),
            name: a.name.clone(),
            policy: describe(p),
            set: match (&p.updated_at, &p.updated_by) {
                (Some(at), Some(by)) => format!("{} by {by}", page::date(at.date_naive())),
                _ => "Never: the default applies".into(),
            },
        })
        .collect();
    render(&AreasPage {
        layout: Layout::new(&person, "Matching policies", "/commissioner/areas"),
        rows,
    })
}

/// The policy form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    pub policy: String,
    pub price_weight: String,
    pub quality_weight: String,
    pub days_weight: String,
    pub continuity_pence: String,
}

impl PolicyForm {
    fn of(p: &PolicyView) -> Self {
        let w = p.weights.unwrap_or(Weights {
            price: 1,
            quality: 0,
            days: 0,
            continuity_pence: provider_hub_matching::DEFAULT_CONTINUITY_PENCE,
        });
        PolicyForm {
            continuity_pence: w.continuity_pence.to_string(),
            policy: p.policy.as_str().to_owned(),
            price_weight: w.price.to_string(),
            quality_weight: w.quality.to_string(),
            days_weight: w.days.to_string(),
        }
    }

    /// What the form asks for, or the fields that are not numbers.
    fn setting(&self) -> Result<SetPolicy, Errors> {
        let mut errors = Errors::default();
        let Ok(policy) = self.policy.parse::<PolicyKind>() else {
            errors.add("policy", "Select a policy");
            return Err(errors);
        };
        if policy == PolicyKind::BestPrice {
            return Ok(SetPolicy {
                policy,
                weights: None,
            });
        }
        let mut weight = |id: &str, label: &str, text: &str| -> u32 {
            let text = text.trim();
            if text.is_empty() {
                return 0;
            }
            text.parse().unwrap_or_else(|_| {
                errors.add(id, format!("{label} must be a whole number, 0 or more"));
                0
            })
        };
        let weights = Weights {
            price: weight("price_weight", "The price weight", &self.price_weight),
            quality: weight("quality_weight", "The quality weight", &self.quality_weight),
            days: weight("days_weight", "The days-to-start weight", &self.days_weight),
            continuity_pence: weight(
                "continuity_pence",
                "The continuity preference",
                &self.continuity_pence,
            ),
        };
        if errors.is_empty() {
            Ok(SetPolicy {
                policy,
                weights: Some(weights),
            })
        } else {
            Err(errors)
        }
    }
}

/// The use case's refusal on the form's fields, in the API's words.
fn refused(e: MarketError) -> Result<Errors, WebError> {
    let MarketError::Validation(v) = e else {
        return Err(e.into());
    };
    let mut errors = Errors::default();
    for f in &v.0 {
        let (id, label) = match f.field.as_str() {
            "weights.price" => ("price_weight", "The price weight"),
            "weights.quality" => ("quality_weight", "The quality weight"),
            "weights.days" => ("days_weight", "The days-to-start weight"),
            "weights.continuity_pence" => ("continuity_pence", "The continuity preference"),
            "weights" => {
                errors.add("price_weight", page::capitalise(&f.message));
                continue;
            }
            _ => ("policy", "The policy"),
        };
        errors.add(id, format!("{label} {}", f.message));
    }
    Ok(errors)
}

#[derive(Template)]
#[template(path = "commissioner/policy.html")]
struct PolicyPage {
    layout: Layout,
    code: String,
    name: String,
    current: String,
    form: PolicyForm,
    errors: Errors,
}

async fn policy_page(
    state: &WebState,
    person: &Person,
    code: String,
    form: Option<PolicyForm>,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let lookup = code.clone();
    let (area, current) = state
        .db(move |conn| {
            let area = provider_hub_market::areas::get(conn, &lookup)?;
            Ok((area, policies::get(conn, &lookup)?))
        })
        .await?;
    let has_errors = !errors.is_empty();
    render_status(
        &PolicyPage {
            layout: Layout::new(
                person,
                format!("Matching policy of {}", area.name),
                "/commissioner/areas",
            )
            .with_errors(has_errors),
            code,
            name: area.name,
            current: describe(&current),
            form: form.unwrap_or_else(|| PolicyForm::of(&current)),
            errors,
        },
        if has_errors {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    )
}

/// `/commissioner/areas/{code}/policy`.
pub async fn form(
    state: web::Data<WebState>,
    person: Person,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    policy_page(&state, &person, code.into_inner(), None, Errors::default()).await
}

/// Sets the policy; orders placed from now on follow it.
pub async fn set(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<PolicyForm>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let code = code.into_inner();
    let setting = match form.setting() {
        Ok(s) => s,
        Err(errors) => return policy_page(&state, &person, code, Some(form), errors).await,
    };
    let (actor, now, area) = (person.actor(), state.now(), code.clone());
    let result = state
        .db(move |conn| Ok(policies::set(conn, &actor, &area, setting, now)))
        .await?;
    match result {
        Ok(p) => {
            session::flash(
                &session,
                format!("{}'s matching policy is now {}", p.area, describe(&p)),
            );
            Ok(see_other("/commissioner/areas"))
        }
        Err(e) => {
            let errors = refused(e)?;
            policy_page(&state, &person, code, Some(form), errors).await
        }
    }
}
