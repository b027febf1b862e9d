//! Batch matching: choose an area (or all), run — `runs::run`, as the API's
//! `POST /v1/matching/runs` — and read the run: orders placed, the total cost and the
//! saving against placing the same orders one by one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_market::runs::{self, NewRun, RunView};
use serde::Deserialize;

use super::{all_areas, area_names, commissioner};
use crate::form::refusal;
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, WebError};
use crate::session::Person;
use crate::WebState;

struct AreaOption {
    code: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "commissioner/run_new.html")]
struct NewRunPage {
    layout: Layout,
    areas: Vec<AreaOption>,
    errors: Errors,
}

async fn new_run_page(
    state: &WebState,
    person: &Person,
    chosen: &str,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let areas = all_areas(state).await?;
    let has_errors = !errors.is_empty();
    render_status(
        &NewRunPage {
            layout: Layout::new(person, "Run batch matching", "/commissioner/runs/new")
                .with_errors(has_errors),
            areas: areas
                .iter()
                .map(|a| AreaOption {
                    code: a.code.clone(),
                    label: format!("{} ({})", a.name, a.code),
                    selected: a.code == chosen,
                })
                .collect(),
            errors,
        },
        if has_errors {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct AreaQuery {
    pub area: Option<String>,
}

/// `/commissioner/runs/new`: the area to run for.
pub async fn new_run(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<AreaQuery>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let chosen = query.area.clone().unwrap_or_default();
    new_run_page(&state, &person, &chosen, Errors::default()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RunForm {
    /// An area code, or empty for every area.
    pub area: String,
}

/// Runs batch matching and shows the run.
pub async fn run(
    state: web::Data<WebState>,
    person: Person,
    CsrfForm(form): CsrfForm<RunForm>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let area = Some(form.area.trim().to_owned()).filter(|a| !a.is_empty());
    let (actor, now, settings) = (person.actor(), state.now(), state.matching);
    let result = state
        .db(move |conn| Ok(runs::run(conn, &actor, NewRun { area }, settings, now)))
        .await?;
    match result {
        Ok(run) => Ok(see_other(&format!("/commissioner/runs/{}", run.id))),
        Err(e) => {
            let errors = refusal(e, |_| "area".into(), &[("area", "The area")], "area")?;
            new_run_page(&state, &person, &form.area, errors).await
        }
    }
}

struct PlacementRow {
    order_id: String,
    provider: String,
    starts_on: String,
    price: String,
    cost: String,
}

#[derive(Template)]
#[template(path = "commissioner/run.html")]
struct RunPage {
    layout: Layout,
    id: String,
    area: String,
    considered: u32,
    placed: u32,
    total_cost: String,
    one_by_one_placed: u32,
    one_by_one_cost: String,
    saving: String,
    saved: bool,
    when: String,
    held_for_budget: u32,
    changed_meanwhile: u32,
    /// Every placement committed (false while the run applies them, or if it stopped).
    completed: bool,
    placements: Vec<PlacementRow>,
}

/// Pence that may be negative: `−£40`.
fn signed(pence: i64) -> String {
    if pence < 0 {
        format!("−{}", page::pounds(-pence))
    } else {
        page::pounds(pence)
    }
}

/// `/commissioner/runs/{id}`: a run and its saving, as `/v1/matching/runs/{id}`.
pub async fn run_page(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let id = id.into_inner();
    let run: RunView = state.db(move |conn| runs::get(conn, &id)).await?;
    let areas = all_areas(&state).await?;
    let name = area_names(&areas);
    let providers = {
        let ids: Vec<String> = run
            .placements
            .iter()
            .map(|p| p.provider_id.clone())
            .collect();
        let (scope, now) = (person.scope.clone(), state.now());
        state
            .db(move |conn| {
                let mut names = std::collections::BTreeMap::new();
                for id in ids {
                    if names.contains_key(&id) {
                        continue;
                    }
                    let name = provider_hub_market::providers::get(conn, &scope, &id, now)?.name;
                    names.insert(id, name);
                }
                Ok(names)
            })
            .await?
    };
    render(&RunPage {
        layout: Layout::new(
            &person,
            format!("Batch matching run {}", run.id),
            "/commissioner/runs/new",
        ),
        area: run
            .area
            .as_deref()
            .map(&name)
            .unwrap_or_else(|| "Every area".into()),
        considered: run.orders_considered,
        placed: run.placed,
        total_cost: signed(run.total_cost),
        one_by_one_placed: run.one_by_one.placed,
        one_by_one_cost: signed(run.one_by_one.cost),
        saving: signed(run.saving),
        saved: run.saving > 0,
        when: run.created_at.format("%-d %B %Y at %H:%M").to_string(),
        held_for_budget: run.held_for_budget,
        changed_meanwhile: run.changed_meanwhile,
        completed: run.completed_at.is_some(),
        placements: run
            .placements
            .iter()
            .map(|p| PlacementRow {
                order_id: p.order_id.clone(),
                provider: providers
                    .get(&p.provider_id)
                    .cloned()
                    .unwrap_or_else(|| p.provider_id.clone()),
                starts_on: page::date(p.starts_on),
                price: page::pounds(p.price_pence),
                cost: signed(p.cost),
            })
            .collect(),
        id: run.id,
    })
}
