//! The commissioner's home: every area's budget per financial year — allocated,
//! committed, offered, spent and remaining — and how many orders wait for approval;
//! and one budget in full.

use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::order::OrderStatus;
use provider_hub_market::budgets::{self, BudgetView};
use provider_hub_market::contributions;

use super::{all_areas, area_names, commissioner, orders_in};
use crate::page::{self, render, Layout, WebError};
use crate::session::Person;
use crate::WebState;

/// A budget as the pages show it.
pub(super) struct BudgetRow {
    pub area: String,
    pub area_name: String,
    pub year: i32,
    /// `2026 to 2027`.
    pub years: String,
    pub allocated: String,
    pub committed: String,
    pub offered: String,
    pub spent: String,
    pub remaining: String,
    pub over: bool,
    pub updated: String,
    pub updated_by: String,
}

fn row(b: &BudgetView, name: &dyn Fn(&str) -> String) -> BudgetRow {
    BudgetRow {
        area: b.area.clone(),
        area_name: name(&b.area),
        year: b.financial_year,
        years: format!(
            "April {} to March {}",
            b.financial_year,
            b.financial_year + 1
        ),
        allocated: page::pounds(b.allocated_pence),
        committed: page::pounds(b.committed_pence),
        offered: page::pounds(b.offered_pence),
        spent: page::pounds(b.spent_pence),
        remaining: if b.remaining_pence < 0 {
            format!("−{}", page::pounds(-b.remaining_pence))
        } else {
            page::pounds(b.remaining_pence)
        },
        over: b.remaining_pence < 0,
        updated: page::date(b.updated_at.date_naive()),
        updated_by: b.updated_by.clone(),
    }
}

#[derive(Template)]
#[template(path = "commissioner/home.html")]
struct HomePage {
    layout: Layout,
    budgets: Vec<BudgetRow>,
    awaiting: usize,
}

/// `/commissioner`: the budgets, by area and year, and the approvals waiting.
pub async fn home(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let found = state.db(budgets::list).await?;
    let areas = all_areas(&state).await?;
    let awaiting = orders_in(&state, &person, OrderStatus::AwaitingApproval, 1000)
        .await?
        .len();
    let name = area_names(&areas);
    render(&HomePage {
        layout: Layout::new(&person, "Budgets", "/commissioner"),
        budgets: found.iter().map(|b| row(b, &name)).collect(),
        awaiting,
    })
}

/// A contributor's line of a budget as the page shows it.
pub(super) struct ContributorRow {
    pub contributor: String,
    pub name: String,
    pub contributed: String,
    pub carried_in: String,
    pub share: String,
    pub spent: String,
    pub committed: String,
    pub unspent: String,
    pub carried_out: String,
}

#[derive(Template)]
#[template(path = "commissioner/budget.html")]
struct BudgetPage {
    layout: Layout,
    budget: BudgetRow,
    carried_in: String,
    contributors: Vec<ContributorRow>,
    named: bool,
    carry_over: String,
}

/// `/commissioner/budgets/{area}/{year}`: one budget, as `/v1/budgets/{area}/{year}`.
pub async fn budget(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let (area, year) = path.into_inner();
    let (found, rule) = state
        .db(move |conn| {
            let budget = budgets::get(conn, &area, year)?;
            Ok((budget, contributions::carry_over(conn, &area)?))
        })
        .await?;
    let areas = all_areas(&state).await?;
    let budget = row(&found, &area_names(&areas));
    let signed = super::contributions::signed;
    let contributors = found
        .contributions
        .iter()
        .map(|l| ContributorRow {
            contributor: l.contributor.clone(),
            name: l.name.clone(),
            contributed: signed(l.contributed_pence),
            carried_in: signed(l.carried_in_pence),
            share: format!("{:.2}%", l.share_percent),
            spent: signed(l.spent_pence),
            committed: signed(l.committed_pence),
            unspent: signed(l.unspent_pence),
            carried_out: signed(l.carried_out_pence),
        })
        .collect();
    render(&BudgetPage {
        carried_in: signed(found.carried_in_pence),
        named: found
            .contributions
            .iter()
            .any(|l| l.contributor != provider_hub_domain::pooled::UNATTRIBUTED),
        contributors,
        carry_over: super::contributions::describe(&rule),
        layout: Layout::new(
            &person,
            format!("Budget of {} for {}", budget.area_name, budget.years),
            "/commissioner",
        ),
        budget,
    })
}
