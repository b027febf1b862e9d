//! The commissioning reports: spend, unmet demand (an area × category grid), waiting
//! times and providers. Each page is a filter (area, category, period), a chart, the
//! same figures as a table, and a CSV download of the report's rows — the same
//! `reports::…` use cases and the same CSV writer as the API's `/v1/reports/…`.
//! Commissioners and analysts read them.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use provider_hub_domain::category::Category;
use provider_hub_market::reports::{self, csv};
use provider_hub_store::reports::ReportFilter;
use serde::Deserialize;

use super::{all_areas, area_names, reports_reader};
use crate::chart::{BarChart, Grid};
use crate::form::refusal;
use crate::form::Errors;
use crate::page::{self, render, render_status, Layout, WebError};
use crate::session::Person;
use crate::WebState;

/// The reports: path, title, what it shows.
pub(crate) const REPORTS: &[(&str, &str, &str)] = &[
    (
        "spend",
        "Spend",
        "Committed and paid, by area, category and provider",
    ),
    (
        "unmet-demand",
        "Unmet demand",
        "Orders not placed, by area and category: where provision is patchy",
    ),
    (
        "waiting-times",
        "Waiting times",
        "Days from plan approval to the start, by area and category",
    ),
    (
        "providers",
        "Providers",
        "Offers answered, delivery completed, outcomes and prices, by provider",
    ),
    (
        "equality",
        "Who is served",
        "Placements, waits, completions and outcomes by sex, age and ethnic group, small counts suppressed",
    ),
    (
        "cherry-picking",
        "Cherry-picking",
        "Whether providers take the easier cases: offers for high-tier people against the market, declines by tier, and how much their eligibility narrows",
    ),
];

#[derive(Template)]
#[template(path = "commissioner/reports.html")]
struct IndexPage {
    layout: Layout,
    reports: Vec<(&'static str, &'static str, &'static str)>,
}

/// `/commissioner/reports`.
pub async fn index(person: Person) -> Result<HttpResponse, WebError> {
    reports_reader(&person)?;
    render(&IndexPage {
        layout: Layout::new(&person, "Reports", "/commissioner/reports"),
        reports: REPORTS.to_vec(),
    })
}

/// The filter as typed in the page's form (a GET form: the URL is the report).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct FilterForm {
    pub area: String,
    pub category: String,
    pub from: String,
    pub to: String,
}

impl FilterForm {
    /// The market's filter, or the fields' errors in the API's words.
    fn filter(&self) -> Result<ReportFilter, Errors> {
        let mut errors = Errors::default();
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let category = some(&self.category).and_then(|c| match c.parse::<Category>() {
            Ok(c) => Some(c.as_str().to_owned()),
            Err(e) => {
                errors.add("category", page::capitalise(&e.to_string()));
                None
            }
        });
        let mut day = |id: &str, label: &str, text: &str| {
            some(text).and_then(|t| match t.parse::<NaiveDate>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(id, format!("{label} must be a date, YYYY-MM-DD"));
                    None
                }
            })
        };
        let from = day("from", "The first day", &self.from);
        let to = day("to", "The last day", &self.to);
        let filter = ReportFilter {
            area: some(&self.area),
            category,
            provider_id: None,
            from,
            to,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        match reports::check(&filter) {
            Ok(()) => Ok(filter),
            Err(e) => Err(refusal(
                e,
                |f| {
                    if f == "to" {
                        "to".into()
                    } else {
                        "from".into()
                    }
                },
                &[("from", "The first day"), ("to", "The last day")],
                "from",
            )
            .unwrap_or_default()),
        }
    }

    /// The query string of the same filter, for the download link.
    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("area", &self.area),
            ("category", &self.category),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                q.append_pair(k, v.trim());
            }
        }
        q.finish()
    }
}

/// A choice of a select.
pub(super) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filter form as the page shows it.
pub(super) struct FilterView {
    pub form: FilterForm,
    pub areas: Vec<Choice>,
    pub categories: Vec<Choice>,
    /// `?area=…` for the CSV link; empty for no filter.
    pub query: String,
}

/// A figure of a table: pence as pounds, a rate as a percentage, a number, or nothing.
pub(super) fn money(p: Option<i64>) -> String {
    p.map(page::pounds).unwrap_or_else(|| "–".into())
}

pub(super) fn percent(r: Option<f64>) -> String {
    r.map(|r| format!("{}%", (r * 10_000.0).round() / 100.0))
        .unwrap_or_else(|| "–".into())
}

pub(super) fn count<T: ToString>(n: Option<T>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "–".into())
}

/// The report's rows as the CSV download and the API's `Accept: text/csv` give them.
enum Report {
    Spend(reports::SpendReport),
    Unmet(reports::UnmetDemandReport),
    Waits(reports::WaitingTimesReport),
    Providers(reports::ProvidersReport),
    Equality(provider_hub_market::equality::report::EqualityReport),
    CherryPicking(reports::cherry_picking::CherryPickingReport),
}

impl Report {
    fn csv(&self) -> Result<String, provider_hub_market::Error> {
        match self {
            Report::Spend(r) => csv::spend(r),
            Report::Unmet(r) => csv::unmet_demand(r),
            Report::Waits(r) => csv::waiting_times(r),
            Report::Providers(r) => csv::providers(r),
            Report::Equality(r) => provider_hub_market::equality::report::csv(r),
            Report::CherryPicking(r) => reports::cherry_picking::csv(r),
        }
    }
}

async fn load(state: &WebState, report: &str, filter: ReportFilter) -> Result<Report, WebError> {
    let now = state.now();
    let report = report.to_owned();
    state
        .db(move |conn| {
            Ok(match report.as_str() {
                "spend" => Report::Spend(reports::spend(conn, &filter, now)?),
                "unmet-demand" => Report::Unmet(reports::unmet_demand(conn, &filter, now)?),
                "waiting-times" => Report::Waits(reports::waiting_times(conn, &filter, now)?),
                "equality" => Report::Equality(provider_hub_market::equality::report::equality(
                    conn, &filter, now,
                )?),
                "cherry-picking" => Report::CherryPicking(reports::cherry_picking::cherry_picking(
                    conn, &filter, now,
                )?),
                _ => Report::Providers(reports::providers(conn, &filter, now)?),
            })
        })
        .await
}

#[derive(Template)]
#[template(path = "commissioner/report.html")]
struct ReportPage {
    layout: Layout,
    slug: &'static str,
    title: &'static str,
    about: &'static str,
    filter: FilterView,
    errors: Errors,
    /// How many rows the report has (none: say so instead of a chart).
    rows: usize,
    chart: Option<BarChart>,
    grid: Option<Grid>,
    /// Tables: a caption, the header, the rows (first cell a row header), a totals row.
    tables: Vec<Table>,
    /// Whether figures may be suppressed (disclosure control): the page explains it.
    suppression: bool,
}

/// A table of figures: a caption, the columns, the rows (the first cell of each is its
/// row header), and a totals row.
pub(super) struct Table {
    pub caption: String,
    pub head: Vec<Cell>,
    pub rows: Vec<Vec<Cell>>,
    pub totals: Option<Vec<Cell>>,
    /// Rows past `TABLE_ROWS`, left out of the page (the CSV download has them).
    pub left_out: usize,
}

/// The most rows a page's table shows; narrow the report or download it for the rest.
const TABLE_ROWS: usize = 1_000;

/// A cell, right-aligned when it is a figure.
pub(super) struct Cell {
    pub text: String,
    pub numeric: bool,
}

/// Text cells, then figures.
pub(super) fn cells(text: &[String], figures: &[String]) -> Vec<Cell> {
    text.iter()
        .map(|t| Cell {
            text: t.clone(),
            numeric: false,
        })
        .chain(figures.iter().map(|t| Cell {
            text: t.clone(),
            numeric: true,
        }))
        .collect()
}

/// `/commissioner/reports/{report}`: the chart, the table, the download.
pub async fn report(
    state: web::Data<WebState>,
    person: Person,
    slug: web::Path<String>,
    query: web::Query<FilterForm>,
) -> Result<HttpResponse, WebError> {
    reports_reader(&person)?;
    let &(slug, title, about) = REPORTS
        .iter()
        .find(|(s, _, _)| *s == slug.as_str())
        .ok_or(WebError::NotFound)?;
    let form = query.into_inner();
    let areas = all_areas(&state).await?;
    let filter_view = FilterView {
        areas: areas
            .iter()
            .map(|a| Choice {
                value: a.code.clone(),
                label: format!("{} ({})", a.name, a.code),
                selected: a.code == form.area,
            })
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str().to_owned(),
                label: page::words(c.as_str()),
                selected: c.as_str() == form.category,
            })
            .collect(),
        query: form.query(),
        form: form.clone(),
    };
    let mut page = ReportPage {
        layout: Layout::new(&person, format!("{title} report"), "/commissioner/reports"),
        slug,
        title,
        about,
        filter: filter_view,
        errors: Errors::default(),
        rows: 0,
        chart: None,
        grid: None,
        tables: Vec::new(),
        suppression: slug == "equality",
    };
    let filter = match form.filter() {
        Ok(f) => f,
        Err(errors) => {
            page.layout = page.layout.with_errors(true);
            page.errors = errors;
            return render_status(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let name = area_names(&areas);
    match load(&state, slug, filter).await? {
        Report::Spend(r) => {
            page.rows = r.rows.len();
            super::report_views::spend(&mut page.chart, &mut page.tables, &r, &name);
        }
        Report::Unmet(r) => {
            page.rows = r.rows.len();
            super::report_views::unmet(&mut page.grid, &mut page.tables, &r, &name);
        }
        Report::Waits(r) => {
            page.rows = r.rows.len();
            super::report_views::waits(&mut page.chart, &mut page.tables, &r, &name);
        }
        Report::Providers(r) => {
            page.rows = r.rows.len();
            super::report_views::providers(&mut page.chart, &mut page.tables, &r);
        }
        Report::Equality(r) => {
            page.rows = r.rows.len();
            super::report_equality::tables(&mut page.tables, &r, &name);
        }
        Report::CherryPicking(r) => {
            page.rows = r.rows.len();
            super::cherry_picking_view::cherry_picking(&mut page.chart, &mut page.tables, &r);
        }
    }
    for t in &mut page.tables {
        if t.rows.len() > TABLE_ROWS {
            t.left_out = t.rows.len() - TABLE_ROWS;
            t.rows.truncate(TABLE_ROWS);
        }
    }
    render(&page)
}

/// `/commissioner/reports/{report}/csv`: the report's rows as a file, exactly as the
/// API answers `Accept: text/csv`.
pub async fn csv(
    state: web::Data<WebState>,
    person: Person,
    slug: web::Path<String>,
    query: web::Query<FilterForm>,
) -> Result<HttpResponse, WebError> {
    reports_reader(&person)?;
    let &(slug, _, _) = REPORTS
        .iter()
        .find(|(s, _, _)| *s == slug.as_str())
        .ok_or(WebError::NotFound)?;
    let filter = query.filter().map_err(|errors| {
        WebError::Conflict(
            errors
                .0
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let body = load(&state, slug, filter).await?.csv()?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}-report.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Sums of `rows` by key, in key order.
pub(super) fn by<K: Ord + Clone, T>(
    rows: &[T],
    key: impl Fn(&T) -> K,
    values: impl Fn(&T) -> Vec<i64>,
) -> Vec<(K, Vec<i64>)> {
    let mut sums: BTreeMap<K, Vec<i64>> = BTreeMap::new();
    for r in rows {
        let v = values(r);
        let entry = sums.entry(key(r)).or_insert_with(|| vec![0; v.len()]);
        for (sum, x) in entry.iter_mut().zip(v) {
            *sum += x;
        }
    }
    sums.into_iter().collect()
}
