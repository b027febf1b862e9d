//! Outcomes per person: the person-period outcomes recorded, recording one person's
//! proven reoffending (`outcomes::record`, as the API's `POST /v1/reoffending`) with
//! the graduated result and its payments per provider, and uploading reoffending data as
//! CSV (`reoffending::upload`, as `POST /v1/reoffending/uploads`) with a progress page.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use futures_util::StreamExt;
use provider_hub_market::outcomes::{self, OutcomeRecorded, PersonOutcome, ReoffendingRecord};
use provider_hub_market::reoffending::{self, Upload};
use provider_hub_store::outcomes::OutcomeFilter;
use serde::Deserialize;

use crate::form::{refusal, CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

use super::multipart;

/// Largest file the upload form takes: 20 MB, as the API.
const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// 403 for anyone who does not record reoffending.
fn recorder(person: &Person) -> Result<(), WebError> {
    if outcomes::RECORDERS.contains(&person.role) {
        Ok(())
    } else {
        Err(WebError::Forbidden(format!(
            "the {} role may not use these pages",
            person.role
        )))
    }
}

struct Row {
    id: String,
    crn: String,
    area: String,
    period: String,
    reoffences: u32,
    amount: String,
}

fn row(o: &PersonOutcome) -> Row {
    Row {
        id: o.id.clone(),
        crn: o.crn.clone(),
        area: o.area.clone(),
        period: period_words(o.period_start, o.period_end),
        reoffences: o.proven_reoffences,
        amount: page::pounds(o.amount_pence),
    }
}

fn period_words(start: NaiveDate, end: NaiveDate) -> String {
    format!(
        "{} to {}",
        page::date(start),
        page::date(end.pred_opt().unwrap_or(end))
    )
}

#[derive(Template)]
#[template(path = "commissioner/outcomes.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
}

/// `/commissioner/outcomes`: the person-period outcomes recorded, oldest first.
pub async fn list(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    recorder(&person)?;
    let caller = person.caller(state.now());
    let page = state
        .db(move |conn| outcomes::list(conn, &caller, OutcomeFilter::default(), None, 500))
        .await?;
    render(&ListPage {
        layout: Layout::new(&person, "Outcomes", "/commissioner/outcomes"),
        rows: page.items.iter().map(row).collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordForm {
    pub crn: String,
    pub period_start: String,
    pub proven_reoffences: String,
}

#[derive(Template)]
#[template(path = "commissioner/record_reoffending.html")]
struct RecordPage {
    layout: Layout,
    form: RecordForm,
    errors: Errors,
}

fn record_page(
    person: &Person,
    form: RecordForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        &RecordPage {
            layout: Layout::new(person, "Record reoffending", "/commissioner/outcomes")
                .with_errors(!errors.is_empty()),
            form,
            errors,
        },
        status,
    )
}

/// `/commissioner/outcomes/record`.
pub async fn record_form(person: Person) -> Result<HttpResponse, WebError> {
    recorder(&person)?;
    record_page(&person, RecordForm::default(), Errors::default())
}

/// Records one person's reoffending, then shows the result.
pub async fn record(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(form): CsrfForm<RecordForm>,
) -> Result<HttpResponse, WebError> {
    recorder(&person)?;
    let mut errors = Errors::default();
    let crn = form.crn.trim().to_owned();
    if crn.is_empty() {
        errors.add("crn", "Enter the case reference number");
    }
    let period_start = match form.period_start.trim() {
        "" => None,
        s => {
            match s.parse::<NaiveDate>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add("period_start", "Enter the period's start as YYYY-MM-DD, or leave it empty for the next period");
                    None
                }
            }
        }
    };
    let count = form.proven_reoffences.trim().parse::<i64>();
    if count.is_err() {
        errors.add(
            "proven_reoffences",
            "Enter the number of proven reoffences, 0 or more",
        );
    }
    let Ok(proven_reoffences) = count else {
        return record_page(&person, form, errors);
    };
    if !errors.is_empty() {
        return record_page(&person, form, errors);
    }
    let caller = person.caller(state.now());
    let record = ReoffendingRecord {
        crn: crn.clone(),
        period_start,
        proven_reoffences,
    };
    let result = state
        .db(move |conn| Ok(outcomes::record(conn, &caller, record)))
        .await?;
    match result {
        Ok(recorded) => {
            session::flash(
                &session,
                format!(
                    "Outcome of {} recorded: {} earned",
                    recorded.outcome.crn,
                    page::pounds(recorded.outcome.amount_pence)
                ),
            );
            Ok(see_other(&format!(
                "/commissioner/outcomes/{}",
                recorded.outcome.id
            )))
        }
        Err(provider_hub_market::Error::NotFound(_)) => {
            errors.add(
                "crn",
                format!("No person with case reference {crn} is on the hub"),
            );
            record_page(&person, form, errors)
        }
        Err(e) => {
            let errors = refusal(
                e,
                |f| f.to_owned(),
                &[
                    ("crn", "The case reference"),
                    ("period_start", "The period"),
                    ("proven_reoffences", "The number of proven reoffences"),
                ],
                "proven_reoffences",
            )?;
            record_page(&person, form, errors)
        }
    }
}

struct Share {
    order_id: String,
    provider_id: String,
    price: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "commissioner/person_outcome.html")]
struct OutcomePage {
    layout: Layout,
    o: PersonOutcome,
    period: String,
    pot: String,
    binary: String,
    frequency: String,
    amount: String,
    shares: Vec<Share>,
    payments: usize,
}

/// `/commissioner/outcomes/{id}`: the graduated result and its payments per provider.
pub async fn outcome(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    recorder(&person)?;
    let caller = person.caller(state.now());
    let id = id.into_inner();
    let OutcomeRecorded {
        outcome: o,
        payments,
    } = state
        .db(move |conn| outcomes::get(conn, &caller, &id))
        .await?;
    render(&OutcomePage {
        layout: Layout::new(
            &person,
            format!("Outcome of {}", o.crn),
            "/commissioner/outcomes",
        ),
        period: period_words(o.period_start, o.period_end),
        pot: page::pounds(o.pot_pence),
        binary: page::pounds(o.binary_pence),
        frequency: page::pounds(o.frequency_pence),
        amount: page::pounds(o.amount_pence),
        shares: o
            .attribution
            .iter()
            .map(|a| Share {
                order_id: a.order_id.clone(),
                provider_id: a.provider_id.clone(),
                price: page::pounds(a.price_pence),
                amount: page::pounds(a.amount_pence),
            })
            .collect(),
        payments: payments.len(),
        o,
    })
}

#[derive(Template)]
#[template(path = "commissioner/upload_reoffending.html")]
struct UploadPage {
    layout: Layout,
    errors: Errors,
}

fn upload_page(person: &Person, errors: Errors) -> Result<HttpResponse, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        &UploadPage {
            layout: Layout::new(person, "Upload reoffending data", "/commissioner/outcomes")
                .with_errors(!errors.is_empty()),
            errors,
        },
        status,
    )
}

/// `/commissioner/outcomes/upload`.
pub async fn upload_form(person: Person) -> Result<HttpResponse, WebError> {
    recorder(&person)?;
    upload_page(&person, Errors::default())
}

/// Takes the uploaded file (multipart form) and shows its progress page.
pub async fn upload(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    recorder(&person)?;
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| WebError::BadForm)?;
        if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES + 64 * 1024 {
            let mut errors = Errors::default();
            errors.add(
                "file",
                "The file must be at most 20 MB: split it into several files",
            );
            return upload_page(&person, errors);
        }
        bytes.extend_from_slice(&chunk);
    }
    let parts = multipart::parts(&req, &bytes).ok_or(WebError::BadForm)?;
    let token = parts
        .get("csrf_token")
        .map(|p| String::from_utf8_lossy(p).into_owned());
    if !token.is_some_and(|t| session::csrf_matches(&session, &t)) {
        return Err(WebError::Csrf);
    }
    let mut errors = Errors::default();
    let body = match parts.get("file").map(|f| String::from_utf8(f.to_vec())) {
        None => None,
        Some(Ok(text)) if !text.trim().is_empty() => Some(text),
        Some(Ok(_)) => None,
        Some(Err(_)) => {
            errors.add("file", "The file must be CSV text (UTF-8)");
            return upload_page(&person, errors);
        }
    };
    let Some(body) = body else {
        errors.add("file", "Select a CSV file");
        return upload_page(&person, errors);
    };
    let caller = person.caller(state.now());
    let result = state
        .db(move |conn| Ok(reoffending::upload(conn, &caller, &body)))
        .await?;
    match result {
        Ok(upload) => Ok(see_other(&format!(
            "/commissioner/outcomes/uploads/{}",
            upload.id
        ))),
        Err(e) => {
            let errors = refusal(e, |_| "file".into(), &[("file", "The file")], "file")?;
            upload_page(&person, errors)
        }
    }
}

#[derive(Template)]
#[template(path = "commissioner/reoffending_upload.html")]
struct ProgressPage {
    layout: Layout,
    u: Upload,
    done: bool,
}

/// `/commissioner/outcomes/uploads/{id}`: how far the upload got, then its refused rows.
pub async fn progress(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    recorder(&person)?;
    let caller = person.caller(state.now());
    let id = id.into_inner();
    let u = state
        .db(move |conn| reoffending::get(conn, &caller, &id))
        .await?;
    render(&ProgressPage {
        layout: Layout::new(&person, "Reoffending upload", "/commissioner/outcomes"),
        done: u.status == "done",
        u,
    })
}
