//! Pooled budgets on the commissioner's pages: the contributions form of a budget
//! (`contributions::set_contributions`, as `PUT /v1/budgets/{area}/{year}/contributions`),
//! an area's carry-over rule (`contributions::set_carry_over`, as
//! `PUT /v1/areas/{code}/carry-over`), and a contributor's statement with its CSV
//! (`statements::statement`, as `GET …/contributors/{contributor}/statement`).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::pooled::{contributor_name, CarryOverRule, AGENCIES};
use provider_hub_market::contributions::{
    self as market, CarryOverView, Contribution, SetCarryOver, SetContributions,
};
use provider_hub_market::statements::{self, ContributorStatement};
use serde::Deserialize;

use super::commissioner;
use crate::form::{pounds_field, refusal, typed_pence, CsrfForm, Errors};
use crate::page::{self, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// How many other agencies the form has rows for.
const OTHER_ROWS: usize = 3;

/// The contributions form as typed: an amount for each usual agency (blank: not a
/// contributor) and rows for others, each a key and an amount.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContributionsForm {
    pub probation: String,
    pub police_and_crime_commissioner: String,
    pub health: String,
    pub local_authority: String,
    pub other_1: String,
    pub other_1_amount: String,
    pub other_2: String,
    pub other_2_amount: String,
    pub other_3: String,
    pub other_3_amount: String,
}

/// One amount field of the form.
pub(super) struct AmountField {
    pub id: String,
    pub label: String,
    pub value: String,
}

/// One "other agency" row of the form.
pub(super) struct OtherRow {
    pub n: usize,
    pub contributor: String,
    pub amount: String,
}

impl ContributionsForm {
    fn agency(&self, key: &str) -> &str {
        match key {
            "probation" => &self.probation,
            "police_and_crime_commissioner" => &self.police_and_crime_commissioner,
            "health" => &self.health,
            _ => &self.local_authority,
        }
    }

    fn others(&self) -> [(&str, &str); OTHER_ROWS] {
        [
            (&self.other_1, &self.other_1_amount),
            (&self.other_2, &self.other_2_amount),
            (&self.other_3, &self.other_3_amount),
        ]
    }

    fn of(budget: &provider_hub_market::budgets::BudgetView) -> Self {
        let mut form = ContributionsForm::default();
        let mut others = Vec::new();
        for line in budget
            .contributions
            .iter()
            .filter(|l| l.contributor != provider_hub_domain::pooled::UNATTRIBUTED)
            .filter(|l| l.contributed_pence > 0 || l.carried_in_pence == 0)
        {
            let amount = pounds_field(line.contributed_pence);
            match line.contributor.as_str() {
                "probation" => form.probation = amount,
                "police_and_crime_commissioner" => form.police_and_crime_commissioner = amount,
                "health" => form.health = amount,
                "local_authority" => form.local_authority = amount,
                other => others.push((other.to_owned(), amount)),
            }
        }
        let mut others = others.into_iter();
        for (key, amount) in [
            (&mut form.other_1, &mut form.other_1_amount),
            (&mut form.other_2, &mut form.other_2_amount),
            (&mut form.other_3, &mut form.other_3_amount),
        ] {
            if let Some((k, a)) = others.next() {
                (*key, *amount) = (k, a);
            }
        }
        form
    }

    /// The list the form asks for, with the form field each entry came from; or the
    /// amounts that are not amounts.
    fn setting(&self) -> Result<(SetContributions, Vec<(String, String)>), Errors> {
        let mut errors = Errors::default();
        // (key, amount as typed, the key's field, the amount's field)
        let mut entries: Vec<(String, String, String, String)> = Vec::new();
        for (key, _) in AGENCIES {
            let text = self.agency(key).trim();
            if !text.is_empty() {
                entries.push(((*key).into(), text.into(), (*key).into(), (*key).into()));
            }
        }
        for (i, (key, amount)) in self.others().iter().enumerate() {
            let (key, amount) = (key.trim(), amount.trim());
            let n = i + 1;
            if key.is_empty() && amount.is_empty() {
                continue;
            }
            if amount.is_empty() {
                errors.add(
                    &format!("other_{n}_amount"),
                    format!("Enter the amount from other agency {n}"),
                );
                continue;
            }
            entries.push((
                key.into(),
                amount.into(),
                format!("other_{n}"),
                format!("other_{n}_amount"),
            ));
        }
        let mut contributions = Vec::new();
        let mut fields = Vec::new();
        for (key, text, key_id, amount_id) in entries {
            match typed_pence(&text) {
                Some(amount_pence) => {
                    contributions.push(Contribution {
                        contributor: key,
                        amount_pence,
                    });
                    fields.push((key_id, amount_id));
                }
                None => errors.add(
                    &amount_id,
                    "Enter the amount in pounds, like 25000 or 25000.50",
                ),
            }
        }
        if errors.is_empty() {
            Ok((SetContributions { contributions }, fields))
        } else {
            Err(errors)
        }
    }

    fn amount_fields(&self) -> Vec<AmountField> {
        AGENCIES
            .iter()
            .map(|(key, name)| AmountField {
                id: (*key).to_owned(),
                label: format!("{name} (£)"),
                value: self.agency(key).to_owned(),
            })
            .collect()
    }

    fn other_rows(&self) -> Vec<OtherRow> {
        self.others()
            .iter()
            .enumerate()
            .map(|(i, (k, a))| OtherRow {
                n: i + 1,
                contributor: (*k).to_owned(),
                amount: (*a).to_owned(),
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "commissioner/contributions.html")]
struct ContributionsPage {
    layout: Layout,
    area: String,
    year: i32,
    years: String,
    amounts: Vec<AmountField>,
    others: Vec<OtherRow>,
    errors: Errors,
}

fn years(year: i32) -> String {
    format!("April {year} to March {}", year + 1)
}

async fn contributions_page(
    state: &WebState,
    person: &Person,
    (area, year): (String, i32),
    form: Option<ContributionsForm>,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let form = match form {
        Some(f) => f,
        None => {
            let lookup = area.clone();
            let found = state
                .db(
                    move |conn| match provider_hub_market::budgets::get(conn, &lookup, year) {
                        Ok(b) => Ok(Some(b)),
                        Err(provider_hub_market::Error::NotFound(_)) => Ok(None),
                        Err(e) => Err(e),
                    },
                )
                .await?;
            found
                .as_ref()
                .map(ContributionsForm::of)
                .unwrap_or_default()
        }
    };
    let has_errors = !errors.is_empty();
    render_status(
        &ContributionsPage {
            layout: Layout::new(
                person,
                format!("Contributions to the budget of {area} for {}", years(year)),
                "/commissioner",
            )
            .with_errors(has_errors),
            years: years(year),
            amounts: form.amount_fields(),
            others: form.other_rows(),
            area,
            year,
            errors,
        },
        if has_errors {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    )
}

/// `/commissioner/budgets/{area}/{year}/contributions`: the form.
pub async fn form(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    contributions_page(&state, &person, path.into_inner(), None, Errors::default()).await
}

/// Sets the contributions; the budget's allocation becomes their sum.
pub async fn set(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, i32)>,
    CsrfForm(form): CsrfForm<ContributionsForm>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let (area, year) = path.into_inner();
    let (setting, fields) = match form.setting() {
        Ok(s) => s,
        Err(errors) => {
            return contributions_page(&state, &person, (area, year), Some(form), errors).await
        }
    };
    let (actor, now, code) = (person.actor(), state.now(), area.clone());
    let result = state
        .db(move |conn| {
            Ok(market::set_contributions(
                conn, &actor, &code, year, setting, now,
            ))
        })
        .await?;
    match result {
        Ok(b) => {
            session::flash(
                &session,
                format!(
                    "The budget of {area} for {} is now funded by {} contributors: {}",
                    years(year),
                    b.contributions.len(),
                    page::pounds(b.allocated_pence)
                ),
            );
            Ok(see_other(&format!("/commissioner/budgets/{area}/{year}")))
        }
        Err(e) => {
            let field_id = |field: &str| -> String {
                let index = field
                    .strip_prefix("contributions[")
                    .and_then(|r| r.split_once(']'))
                    .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)));
                match index.and_then(|(i, rest)| Some((fields.get(i)?, rest))) {
                    Some(((key_id, _), ".contributor")) => key_id.clone(),
                    Some(((_, amount_id), _)) => amount_id.clone(),
                    None => "probation".to_owned(),
                }
            };
            let errors = refusal(e, field_id, &[], "probation")?;
            contributions_page(&state, &person, (area, year), Some(form), errors).await
        }
    }
}

/// The carry-over form as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CarryOverForm {
    pub rule: String,
    pub cap_percent: String,
}

/// A rule in words.
pub(super) fn describe(rule: &CarryOverView) -> String {
    match (rule.rule, rule.cap_percent) {
        (CarryOverRule::None, _) => {
            "Nothing carries over: each year starts from its own allocation".into()
        }
        (CarryOverRule::All, _) => "Everything unspent carries into the next year".into(),
        (CarryOverRule::Capped, p) => format!(
            "What is unspent carries into the next year, up to {}% of the year's allocation",
            p.unwrap_or(0)
        ),
    }
}

#[derive(Template)]
#[template(path = "commissioner/carry_over.html")]
struct CarryOverPage {
    layout: Layout,
    area: String,
    current: String,
    form: CarryOverForm,
    errors: Errors,
}

async fn carry_over_page(
    state: &WebState,
    person: &Person,
    area: String,
    form: Option<CarryOverForm>,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let lookup = area.clone();
    let current = state
        .db(move |conn| market::carry_over(conn, &lookup))
        .await?;
    let has_errors = !errors.is_empty();
    render_status(
        &CarryOverPage {
            layout: Layout::new(
                person,
                format!("Carry-over rule of {area}"),
                "/commissioner",
            )
            .with_errors(has_errors),
            current: describe(&current),
            form: form.unwrap_or_else(|| CarryOverForm {
                rule: current.rule.as_str().to_owned(),
                cap_percent: current
                    .cap_percent
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            }),
            area,
            errors,
        },
        if has_errors {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    )
}

/// `/commissioner/areas/{code}/carry-over`: the form.
pub async fn carry_over_form(
    state: web::Data<WebState>,
    person: Person,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    carry_over_page(&state, &person, code.into_inner(), None, Errors::default()).await
}

/// Sets the area's carry-over rule.
pub async fn set_carry_over(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<CarryOverForm>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let area = code.into_inner();
    let Ok(rule) = form.rule.parse::<CarryOverRule>() else {
        let mut errors = Errors::default();
        errors.add("rule", "Select what happens to unspent money");
        return carry_over_page(&state, &person, area, Some(form), errors).await;
    };
    let cap = form.cap_percent.trim();
    let cap_percent = match (rule, cap.parse::<i64>()) {
        (CarryOverRule::Capped, Ok(p)) => Some(p),
        (CarryOverRule::Capped, Err(_)) => {
            let mut errors = Errors::default();
            errors.add("cap_percent", "Enter the cap as a whole percent, 0 to 100");
            return carry_over_page(&state, &person, area, Some(form), errors).await;
        }
        _ => None,
    };
    let setting = SetCarryOver { rule, cap_percent };
    let (actor, now, code) = (person.actor(), state.now(), area.clone());
    let result = state
        .db(move |conn| Ok(market::set_carry_over(conn, &actor, &code, setting, now)))
        .await?;
    match result {
        Ok(rule) => {
            session::flash(&session, format!("{area}: {}", describe(&rule)));
            Ok(see_other("/commissioner"))
        }
        Err(e) => {
            let errors = refusal(
                e,
                |f| {
                    if f == "cap_percent" {
                        f.to_owned()
                    } else {
                        "rule".into()
                    }
                },
                &[("cap_percent", "The cap")],
                "rule",
            )?;
            carry_over_page(&state, &person, area, Some(form), errors).await
        }
    }
}

/// A line of a statement as the page shows it.
pub(super) struct Shown {
    pub label: String,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "commissioner/statement.html")]
struct StatementPage {
    layout: Layout,
    s: ContributorStatement,
    name: String,
    years: String,
    share: String,
    summary: Vec<Shown>,
    categories: Vec<Shown>,
    months: Vec<Shown>,
    rule: String,
}

/// `/commissioner/budgets/{area}/{year}/contributors/{contributor}`: the statement.
pub async fn statement(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, i32, String)>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let (area, year, contributor) = path.into_inner();
    let now = state.now();
    let s = state
        .db(move |conn| statements::statement(conn, &area, year, &contributor, now))
        .await?;
    let money = |label: &str, pence: i64| Shown {
        label: label.to_owned(),
        amount: signed(pence),
    };
    let l = &s.line;
    let summary = vec![
        money("Contributed", l.contributed_pence),
        money("Carried in from last year", l.carried_in_pence),
        money("Spent (payments attributed)", l.spent_pence),
        money("Committed (attributed)", l.committed_pence),
        money("Offered (attributed)", l.offered_pence),
        money("Unspent", l.unspent_pence),
        money(
            if s.year_ended {
                "Carried out to next year"
            } else {
                "Carried out to next year (so far)"
            },
            l.carried_out_pence,
        ),
    ];
    let categories = s
        .spent_by_category
        .iter()
        .map(|c| money(&page::words(&c.category), c.spent_pence))
        .collect();
    let months = s
        .spent_by_month
        .iter()
        .map(|m| money(&month(&m.month), m.spent_pence))
        .collect();
    let rule = describe(&CarryOverView {
        area: s.area.clone(),
        rule: s.carry_over_rule,
        cap_percent: s.cap_percent,
        updated_at: None,
        updated_by: None,
    });
    let name = contributor_name(&l.contributor);
    render_status(
        &StatementPage {
            layout: Layout::new(
                &person,
                format!(
                    "Statement of {name}, budget of {} for {}",
                    s.area,
                    years(s.financial_year)
                ),
                "/commissioner",
            ),
            share: format!("{:.2}%", l.share_percent),
            years: years(s.financial_year),
            name,
            summary,
            categories,
            months,
            rule,
            s,
        },
        StatusCode::OK,
    )
}

/// `…/contributors/{contributor}/csv`: the statement as CSV, as the API's `?format=csv`.
pub async fn statement_csv(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, i32, String)>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let (area, year, contributor) = path.into_inner();
    let now = state.now();
    let file = format!("statement-{area}-{year}-{contributor}.csv");
    let body = state
        .db(move |conn| {
            let s = statements::statement(conn, &area, year, &contributor, now)?;
            statements::csv(&s)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/csv; charset=utf-8"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .body(body))
}

/// Pounds with a minus sign for a negative amount.
pub(super) fn signed(pence: i64) -> String {
    if pence < 0 {
        format!("−{}", page::pounds(-pence))
    } else {
        page::pounds(pence)
    }
}

/// `2026-04` as `April 2026`.
fn month(text: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_else(|_| text.to_owned())
}
