//! The quality threshold: the value in force, a preview of what a new value would change
//! (who would fall below it, which listings would leave search) and saving it. The
//! preview is a GET form: nothing changes until "Save threshold" is pressed.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_market::providers::{self, SetThreshold};
use provider_hub_market::threshold::{self as market, ThresholdPreview};
use serde::Deserialize;

use super::quality;
use crate::form::{refusal, CsrfForm, Errors};
use crate::page::{self, instant, render, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ThresholdForm {
    pub threshold: String,
}

#[derive(Template)]
#[template(path = "quality/threshold.html")]
struct ThresholdPage {
    layout: Layout,
    current: u8,
    updated: String,
    value: String,
    errors: Errors,
}

async fn threshold_page(
    state: &WebState,
    person: &Person,
    value: String,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let t = state.db(providers::threshold).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    render_status(
        &ThresholdPage {
            layout: Layout::new(person, "Quality threshold", "/quality/threshold")
                .with_errors(has_errors),
            current: t.threshold,
            updated: instant(t.updated_at),
            value,
            errors,
        },
        status,
    )
}

/// `/quality/threshold`: the threshold in force and the form to preview another.
pub async fn threshold(
    state: web::Data<WebState>,
    person: Person,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    threshold_page(&state, &person, String::new(), Errors::default()).await
}

const NOT_A_NUMBER: &str = "Enter the threshold as a whole number from 0 to 100";

/// The threshold as typed; the use case checks its range.
fn typed(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

pub(super) struct ProviderChange {
    pub category: String,
    pub leaving: Vec<String>,
    pub joining: Vec<String>,
}

pub(super) struct ListingLeaving {
    pub id: String,
    pub title: String,
    pub provider: String,
    pub category: String,
    pub specification: String,
}

#[derive(Template)]
#[template(path = "quality/threshold_preview.html")]
struct PreviewPage {
    layout: Layout,
    current: u8,
    proposed: u8,
    changes: Vec<ProviderChange>,
    listings: Vec<ListingLeaving>,
}

fn preview_page(person: &Person, p: ThresholdPreview) -> Result<HttpResponse, WebError> {
    let who = |v: &[market::PreviewProvider]| {
        v.iter()
            .map(|p| format!("{} (scores {})", p.name, p.score))
            .collect::<Vec<_>>()
    };
    render(&PreviewPage {
        layout: Layout::new(person, "Check the new threshold", "/quality/threshold"),
        current: p.current,
        proposed: p.proposed,
        changes: p
            .categories
            .iter()
            .map(|c| ProviderChange {
                category: page::words(c.category.as_str()),
                leaving: who(&c.leaving),
                joining: who(&c.joining),
            })
            .collect(),
        listings: p
            .listings_leaving_search
            .iter()
            .map(|l| ListingLeaving {
                id: l.id.clone(),
                title: l.title.clone(),
                provider: l.provider_name.clone(),
                category: page::words(l.category.as_str()),
                specification: format!(
                    "{} version {}",
                    l.specification_code, l.specification_version
                ),
            })
            .collect(),
    })
}

/// `/quality/threshold/preview?threshold=NN`: what the threshold would change, before
/// it is saved.
pub async fn preview(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<ThresholdForm>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let value = query.into_inner().threshold;
    let Some(proposed) = typed(&value) else {
        let mut errors = Errors::default();
        errors.add("threshold", NOT_A_NUMBER);
        return threshold_page(&state, &person, value, errors).await;
    };
    let now = state.now();
    let result = state
        .db(move |conn| Ok(market::preview(conn, proposed, now)))
        .await?;
    match result {
        Ok(p) => preview_page(&person, p),
        Err(e) => {
            let errors = refusal(
                e,
                |_| "threshold".into(),
                &[("threshold", "Threshold")],
                "threshold",
            )?;
            threshold_page(&state, &person, value, errors).await
        }
    }
}

/// Saves the threshold; membership everywhere follows at once.
pub async fn save(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(form): CsrfForm<ThresholdForm>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let Some(threshold) = typed(&form.threshold) else {
        let mut errors = Errors::default();
        errors.add("threshold", NOT_A_NUMBER);
        return threshold_page(&state, &person, form.threshold, errors).await;
    };
    let (actor, now) = (person.actor(), state.now());
    let result = state
        .db(move |conn| {
            Ok(providers::set_threshold(
                conn,
                &actor,
                SetThreshold { threshold },
                now,
            ))
        })
        .await?;
    match result {
        Ok(t) => {
            session::flash(
                &session,
                format!("Quality threshold set to {}", t.threshold),
            );
            Ok(see_other("/quality/threshold"))
        }
        Err(e) => {
            let errors = refusal(
                e,
                |_| "threshold".into(),
                &[("threshold", "Threshold")],
                "threshold",
            )?;
            threshold_page(&state, &person, form.threshold, errors).await
        }
    }
}
