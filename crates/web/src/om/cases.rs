//! The caseload, registering a case, and a case's page (its assessments and orders).

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use provider_hub_domain::case::{Crn, NewCase};
use provider_hub_domain::{Role, Scope};
use provider_hub_market::assessments::{self, AssessmentView};
use provider_hub_market::orders::{self, OrderView};
use provider_hub_market::{cases, Error as MarketError, MAX_PAGE};
use provider_hub_store::assessments::AssessmentFilter;
use provider_hub_store::orders::OrderFilter;
use serde::Deserialize;

use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// The area an offender manager works in; 403 for everyone else.
pub(super) fn area_of(person: &Person) -> Result<String, WebError> {
    person.require(Role::OffenderManager)?;
    match &person.scope {
        Scope::Area(area) => Ok(area.as_str().to_owned()),
        _ => Err(WebError::Forbidden(
            "an offender manager acts for an area".into(),
        )),
    }
}

pub(super) struct CaseRow {
    pub crn: String,
    pub sex: String,
    pub date_of_birth: String,
    pub assessment: Option<(String, Tag)>,
    pub orders: String,
}

#[derive(Template)]
#[template(path = "om/caseload.html")]
struct CaseloadPage {
    layout: Layout,
    area: String,
    rows: Vec<CaseRow>,
    waiting: usize,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<String>,
}

/// Orders at a glance: `2 offered, 1 accepted`.
pub(super) fn glance(orders: &[&OrderView]) -> String {
    if orders.is_empty() {
        return "None".into();
    }
    let mut counts: Vec<(String, usize)> = Vec::new();
    for o in orders {
        let words = page::words(o.status.as_str()).to_lowercase();
        match counts.iter_mut().find(|(w, _)| *w == words) {
            Some((_, n)) => *n += 1,
            None => counts.push((words, 1)),
        }
    }
    counts
        .into_iter()
        .map(|(w, n)| format!("{n} {w}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `/om`: the cases of the area, each with its latest assessment and orders.
pub async fn caseload(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let area = area_of(&person)?;
    let (me, caller) = (person.sub.clone(), person.caller(state.now()));
    let after = query
        .after
        .as_deref()
        .filter(|a| !a.is_empty())
        .map(|a| provider_hub_store::cursor::decode::<String>(a).ok_or(WebError::NotFound))
        .transpose()?;
    let (cases, assessments, orders) = state
        .db(move |conn| {
            let cases = cases::list(conn, &caller, after, 50)?;
            let crns: Vec<String> = cases.items.iter().map(|c| c.crn.clone()).collect();
            let mut all_assessments = Vec::new();
            let mut all_orders = Vec::new();
            for crn in crns {
                let filter = AssessmentFilter {
                    crn: Some(crn.clone()),
                    ..AssessmentFilter::default()
                };
                all_assessments
                    .extend(assessments::list(conn, &caller, filter, None, MAX_PAGE)?.items);
                let filter = OrderFilter {
                    crn: Some(crn),
                    ..OrderFilter::default()
                };
                all_orders.extend(orders::list(conn, &caller, filter, None, MAX_PAGE)?.items);
            }
            let waiting = assessments::list(
                conn,
                &caller,
                AssessmentFilter {
                    status: Some(provider_hub_domain::assessment::AssessmentStatus::Submitted),
                    ..AssessmentFilter::default()
                },
                None,
                MAX_PAGE,
            )?
            .items
            .into_iter()
            .filter(|a| a.author != me)
            .count();
            Ok((cases, (all_assessments, waiting), all_orders))
        })
        .await?;
    let (assessments, waiting) = assessments;
    let mut latest: HashMap<&str, &AssessmentView> = HashMap::new();
    for a in &assessments {
        let entry = latest.entry(a.crn.as_str()).or_insert(a);
        if a.created_at > entry.created_at {
            *entry = a;
        }
    }
    let rows = cases
        .items
        .iter()
        .map(|c| {
            let mine: Vec<&OrderView> = orders.iter().filter(|o| o.crn == c.crn).collect();
            CaseRow {
                crn: c.crn.clone(),
                sex: page::words(c.sex.as_str()),
                date_of_birth: page::date(c.date_of_birth),
                assessment: latest
                    .get(c.crn.as_str())
                    .map(|a| (a.id.clone(), Tag::of(a.status.as_str()))),
                orders: glance(&mine),
            }
        })
        .collect();
    render(&CaseloadPage {
        layout: Layout::new(&person, "Caseload", "/om"),
        area,
        rows,
        waiting,
        next: cases.next,
    })
}

/// What the case form holds, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    pub crn: String,
    pub sex: String,
    #[serde(rename = "date_of_birth-day")]
    pub dob_day: String,
    #[serde(rename = "date_of_birth-month")]
    pub dob_month: String,
    #[serde(rename = "date_of_birth-year")]
    pub dob_year: String,
}

#[derive(Template)]
#[template(path = "om/case_new.html")]
struct CaseFormPage {
    layout: Layout,
    form: CaseForm,
    errors: Errors,
}

pub async fn new_case(person: Person) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    render(&CaseFormPage {
        layout: Layout::new(&person, "Register a case", "/om/cases/new"),
        form: CaseForm::default(),
        errors: Errors::default(),
    })
}

/// A date typed as day, month and year; `None` when it is not a real date.
pub(super) fn typed_date(day: &str, month: &str, year: &str) -> Option<NaiveDate> {
    let (d, m, y) = (
        day.trim().parse().ok()?,
        month.trim().parse().ok()?,
        year.trim().parse().ok()?,
    );
    if !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

pub async fn register(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(form): CsrfForm<CaseForm>,
) -> Result<HttpResponse, WebError> {
    let area = area_of(&person)?;
    let mut errors = Errors::default();
    let crn = Crn::parse(form.crn.trim());
    if let Err(e) = &crn {
        errors.add("crn", format!("Case reference number {e}"));
    }
    let sex = form.sex.parse();
    if sex.is_err() {
        errors.add("sex", "Select the person's sex");
    }
    let dob = typed_date(&form.dob_day, &form.dob_month, &form.dob_year);
    if dob.is_none() {
        errors.add(
            "date_of_birth-day",
            "Date of birth must be a real date, like 27 3 1990",
        );
    }
    let new = match (crn, sex, dob, provider_hub_domain::AreaCode::parse(&area)) {
        (Ok(crn), Ok(sex), Some(date_of_birth), Ok(area)) if errors.is_empty() => NewCase {
            crn,
            sex,
            date_of_birth,
            area,
            ethnic_group: None,
            disability: None,
        },
        _ => return case_form_again(&person, form, errors),
    };
    let caller = person.caller(state.now());
    let crn = new.crn.as_str().to_owned();
    let result = state
        .db(move |conn| Ok(cases::register(conn, &caller, new)))
        .await?;
    match result {
        Ok(case) => {
            session::flash(&session, format!("Case {} registered", case.crn));
            Ok(see_other(&format!("/om/cases/{crn}")))
        }
        Err(MarketError::Validation(v)) => {
            let errors = Errors::from_fields(&v.0, |f| match f {
                "date_of_birth" => "date_of_birth-day".into(),
                other => other.into(),
            });
            let errors = label_errors(
                errors,
                &[
                    ("date_of_birth-day", "Date of birth"),
                    ("crn", "Case reference number"),
                    ("sex", "Sex"),
                    ("area", "Area"),
                ],
            );
            case_form_again(&person, form, errors)
        }
        Err(MarketError::Conflict { detail, .. }) => {
            let mut errors = Errors::default();
            errors.add("crn", page::capitalise(&detail));
            case_form_again(&person, form, errors)
        }
        Err(e) => Err(e.into()),
    }
}

/// The use case's messages (`must not be in the future`) after their field's label.
pub(super) fn label_errors(errors: Errors, labels: &[(&str, &str)]) -> Errors {
    let mut out = Errors::default();
    for e in errors.0 {
        let label = labels.iter().find(|(id, _)| *id == e.id).map(|(_, l)| *l);
        match label {
            Some(l) => out.add(&e.id, format!("{l} {}", e.message)),
            None => out.add(&e.id, page::capitalise(&e.message)),
        }
    }
    out
}

fn case_form_again(
    person: &Person,
    form: CaseForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    render_status(
        &CaseFormPage {
            layout: Layout::new(person, "Register a case", "/om/cases/new").with_errors(true),
            form,
            errors,
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

pub(super) struct AssessmentRow {
    pub id: String,
    pub external_ref: String,
    pub tag: Tag,
    pub recorded: String,
}

pub(super) struct OrderRow {
    pub id: String,
    pub category: String,
    pub tag: Tag,
    pub provider: String,
    pub price: String,
    pub start: String,
}

pub(super) fn order_rows(orders: &[OrderView], names: &HashMap<String, String>) -> Vec<OrderRow> {
    orders
        .iter()
        .map(|o| {
            let placed = super::placed(o, names);
            OrderRow {
                id: o.id.clone(),
                category: page::words(o.category.as_str()),
                tag: Tag::of(o.status.as_str()),
                provider: placed.provider,
                price: placed.price,
                start: placed.start,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "om/case.html")]
struct CasePage {
    layout: Layout,
    crn: String,
    sex: String,
    date_of_birth: String,
    area: String,
    assessments: Vec<AssessmentRow>,
    orders: Vec<OrderRow>,
    equality: super::equality::EqualityFormView,
}

/// A case: who, their assessments, their orders.
pub async fn case(
    state: web::Data<WebState>,
    person: Person,
    crn: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let crn = crn.into_inner();
    let caller = person.caller(state.now());
    let (case, assessments, orders, names, equality) = state
        .db(move |conn| {
            let case = cases::get(conn, &caller, &crn)?;
            let filter = AssessmentFilter {
                crn: Some(crn.clone()),
                ..AssessmentFilter::default()
            };
            let assessments = assessments::list(conn, &caller, filter, None, MAX_PAGE)?.items;
            let filter = OrderFilter {
                crn: Some(crn.clone()),
                ..OrderFilter::default()
            };
            let orders = orders::list(conn, &caller, filter, None, MAX_PAGE)?.items;
            let ids = orders.iter().filter_map(|o| o.provider_id.clone());
            let names =
                super::provider_names(conn, &caller.scope, ids.collect::<Vec<_>>(), caller.now)?;
            let equality = provider_hub_market::equality::get(conn, &caller, &crn)?.equality();
            Ok((case, assessments, orders, names, equality))
        })
        .await?;
    render(&CasePage {
        layout: Layout::new(&person, format!("Case {}", case.crn), "/om"),
        crn: case.crn.clone(),
        sex: page::words(case.sex.as_str()),
        date_of_birth: page::date(case.date_of_birth),
        area: case.area.clone(),
        assessments: assessments
            .iter()
            .map(|a| AssessmentRow {
                id: a.id.clone(),
                external_ref: a.external_ref.clone(),
                tag: Tag::of(a.status.as_str()),
                recorded: page::date(a.created_at.date_naive()),
            })
            .collect(),
        orders: order_rows(&orders, &names),
        equality: super::equality::EqualityFormView::of(equality),
    })
}
