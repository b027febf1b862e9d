//! Transfers between areas: "Transfer this case" from a case's page, the area's
//! transfers (those from it and to it), and one transfer with what it did to each order.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_market::transfers::{self, NewTransfer, TransferView};
use provider_hub_market::{areas, cases, Error as MarketError, MAX_PAGE};
use serde::Deserialize;

use super::cases::area_of;
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// An area the case may move to, as the form offers it.
struct AreaOption {
    code: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "om/transfer_new.html")]
struct TransferFormPage {
    layout: Layout,
    crn: String,
    area: String,
    areas: Vec<AreaOption>,
    reason: String,
    errors: Errors,
}

/// The areas other than `own`, the one `chosen` selected.
async fn area_options(
    state: &WebState,
    own: &str,
    chosen: &str,
) -> Result<Vec<AreaOption>, WebError> {
    let rows = state
        .db(move |conn| Ok(areas::list(conn, None, MAX_PAGE)?.items))
        .await?;
    Ok(rows
        .into_iter()
        .filter(|a| a.code != own)
        .map(|a| AreaOption {
            selected: a.code == chosen,
            label: format!("{} ({})", a.name, a.code),
            code: a.code,
        })
        .collect())
}

/// `/om/cases/{crn}/transfer`: the form.
pub async fn transfer_form(
    state: web::Data<WebState>,
    person: Person,
    crn: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let area = area_of(&person)?;
    let caller = person.caller(state.now());
    let crn = crn.into_inner();
    let case = state
        .db(move |conn| cases::get(conn, &caller, &crn))
        .await?;
    render(&TransferFormPage {
        layout: Layout::new(&person, "Transfer this case", "/om"),
        areas: area_options(&state, &area, "").await?,
        crn: case.crn,
        area,
        reason: String::new(),
        errors: Errors::default(),
    })
}

#[derive(Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    to_area: String,
    #[serde(default)]
    reason: String,
}

pub async fn transfer(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    crn: web::Path<String>,
    CsrfForm(form): CsrfForm<TransferForm>,
) -> Result<HttpResponse, WebError> {
    let area = area_of(&person)?;
    let crn = crn.into_inner();
    let mut errors = Errors::default();
    if form.to_area.trim().is_empty() {
        errors.add("to_area", "Select the area the person is moving to");
    }
    if form.reason.trim().is_empty() {
        errors.add("reason", "Enter why the case is being transferred");
    }
    if errors.is_empty() {
        let (caller, settings, moving) = (person.caller(state.now()), state.matching, crn.clone());
        let new = NewTransfer {
            to_area: form.to_area.clone(),
            reason: form.reason.clone(),
        };
        let result = state
            .db(move |conn| Ok(transfers::transfer(conn, &caller, &moving, new, settings)))
            .await?;
        match result {
            Ok(t) => {
                session::flash(
                    &session,
                    format!("Case {} transferred to {}", t.crn, t.to_area),
                );
                return Ok(see_other(&format!("/om/transfers/{}", t.id)));
            }
            Err(MarketError::Validation(v)) => {
                for f in &v.0 {
                    let label = if f.field == "to_area" {
                        "Area"
                    } else {
                        "Reason"
                    };
                    errors.add(&f.field, format!("{label} {}", f.message));
                }
            }
            Err(MarketError::Conflict { detail, .. }) => {
                errors.add("to_area", page::capitalise(&detail));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        &TransferFormPage {
            layout: Layout::new(&person, "Transfer this case", "/om").with_errors(true),
            areas: area_options(&state, &area, form.to_area.trim()).await?,
            crn,
            area,
            reason: form.reason,
            errors,
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// A transfer as a row of the area's list.
struct TransferRow {
    id: String,
    crn: String,
    direction: String,
    other_area: String,
    orders: usize,
    on: String,
}

#[derive(Template)]
#[template(path = "om/transfers.html")]
struct TransfersPage {
    layout: Layout,
    area: String,
    rows: Vec<TransferRow>,
}

/// `/om/transfers`: the cases moved into and out of the area, newest first.
pub async fn list(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    let area = area_of(&person)?;
    let caller = person.caller(state.now());
    let page = state
        .db(move |conn| transfers::list(conn, &caller, None, None, MAX_PAGE))
        .await?;
    let rows = page
        .items
        .into_iter()
        .map(|t| {
            let out = t.from_area == area;
            TransferRow {
                direction: if out { "Out to" } else { "In from" }.into(),
                other_area: if out { t.to_area } else { t.from_area },
                orders: t.orders.len(),
                on: page::date(t.created_at.date_naive()),
                id: t.id,
                crn: t.crn,
            }
        })
        .collect();
    render(&TransfersPage {
        layout: Layout::new(&person, "Transfers", "/om/transfers"),
        area,
        rows,
    })
}

/// What the transfer did to one order, in words.
struct OrderLine {
    id: String,
    action: String,
    before: Tag,
    after: Tag,
    area: String,
    /// Whether the reader's area holds it now (its link then opens).
    ours: bool,
    /// The order bought anew in the receiving area, if it was ended.
    replaced_by: Option<String>,
}

#[derive(Template)]
#[template(path = "om/transfer.html")]
struct TransferPage {
    layout: Layout,
    t: TransferView,
    on: String,
    orders: Vec<OrderLine>,
    case_is_ours: bool,
}

fn action_words(action: provider_hub_domain::transfer::TransferAction) -> &'static str {
    use provider_hub_domain::transfer::TransferAction as A;
    match action {
        A::Continue => "Continues",
        A::Rematch => "Matched again in the new area",
        A::EndAndReplace => "To be ended and bought again",
    }
}

/// `/om/transfers/{id}`: one transfer, as either area reads it.
pub async fn transfer_page(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let area = area_of(&person)?;
    let caller = person.caller(state.now());
    let t = state
        .db(move |conn| transfers::get(conn, &caller, &id))
        .await?;
    let orders = t
        .orders
        .iter()
        .map(|o| OrderLine {
            id: o.order_id.clone(),
            action: action_words(o.action).into(),
            before: Tag::of(o.status_before.as_str()),
            after: Tag::of(o.status_after.as_str()),
            ours: o.area == area,
            area: o.area.clone(),
            replaced_by: o.replaced_by.clone(),
        })
        .collect();
    render(&TransferPage {
        layout: Layout::new(
            &person,
            format!("Transfer of case {}", t.crn),
            "/om/transfers",
        ),
        on: page::date(t.created_at.date_naive()),
        case_is_ours: t.to_area == area,
        orders,
        t,
    })
}
