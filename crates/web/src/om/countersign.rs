//! Assessments waiting for the signed-in manager's countersignature: submitted in their
//! area by someone else (never their own).

use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::assessment::AssessmentStatus;
use provider_hub_market::{assessments, MAX_PAGE};
use provider_hub_store::assessments::AssessmentFilter;

use super::cases::area_of;
use crate::page::{self, render, Layout, WebError};
use crate::session::Person;
use crate::WebState;

pub(super) struct WaitingRow {
    pub id: String,
    pub crn: String,
    pub external_ref: String,
    pub submitted: String,
    pub author: String,
}

#[derive(Template)]
#[template(path = "om/countersign.html")]
struct WaitingPage {
    layout: Layout,
    rows: Vec<WaitingRow>,
}

/// Submitted assessments of the area waiting for this person's countersignature: never
/// their own.
pub async fn waiting(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let caller = person.caller(state.now());
    let submitted = state
        .db(move |conn| {
            let filter = AssessmentFilter {
                status: Some(AssessmentStatus::Submitted),
                ..AssessmentFilter::default()
            };
            Ok(assessments::list(conn, &caller, filter, None, MAX_PAGE)?.items)
        })
        .await?;
    let rows = submitted
        .into_iter()
        .filter(|a| a.author != person.sub)
        .map(|a| WaitingRow {
            submitted: a
                .submitted_at
                .map(|t| page::date(t.date_naive()))
                .unwrap_or_default(),
            id: a.id,
            crn: a.crn,
            external_ref: a.external_ref,
            author: a.author,
        })
        .collect();
    render(&WaitingPage {
        layout: Layout::new(&person, "Assessments to countersign", "/om/countersign"),
        rows,
    })
}
