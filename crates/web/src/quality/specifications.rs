//! The specifications: the list, one specification's versions side by side with what
//! each allows (edit a draft, publish it, retire a published version, start a new
//! version), and the status changes themselves.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::specification::{SpecificationStatus, SpecificationVersion};
use provider_hub_market::specifications::{self, SpecificationDetail};
use provider_hub_market::MAX_PAGE;
use provider_hub_store::specifications::SpecificationFilter;

use super::quality;
use crate::form::{refusal, CsrfForm, Errors};
use crate::page::{self, instant, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::sign_in::NoFields;
use crate::WebState;

pub(super) struct SpecificationRow {
    pub code: String,
    pub title: String,
    pub category: String,
    pub versions: Vec<(i32, Tag)>,
}

#[derive(Template)]
#[template(path = "quality/specifications.html")]
struct SpecificationsPage {
    layout: Layout,
    rows: Vec<SpecificationRow>,
}

/// Every version of every specification (drafts too: the quality team's own work).
async fn all_versions(state: &WebState) -> Result<Vec<SpecificationVersion>, WebError> {
    state
        .db(|conn| {
            let filter = SpecificationFilter::default();
            let mut out = Vec::new();
            let mut after = None;
            loop {
                let page = specifications::list(conn, &filter, after, MAX_PAGE)?;
                after = page
                    .items
                    .last()
                    .map(|v| (v.code.as_str().to_owned(), v.version));
                let more = page.next.is_some();
                out.extend(page.items);
                if !more {
                    return Ok(out);
                }
            }
        })
        .await
}

/// `/quality`: the specifications, each with its versions' statuses.
pub async fn list(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let mut rows: Vec<SpecificationRow> = Vec::new();
    for v in all_versions(&state).await? {
        let tag = Tag::of(v.status.as_str());
        match rows.last_mut() {
            Some(row) if row.code == v.code.as_str() => {
                row.title = v.content.title.clone();
                row.category = page::words(v.content.category.as_str());
                row.versions.push((v.version, tag));
            }
            _ => rows.push(SpecificationRow {
                code: v.code.as_str().to_owned(),
                title: v.content.title.clone(),
                category: page::words(v.content.category.as_str()),
                versions: vec![(v.version, tag)],
            }),
        }
    }
    render(&SpecificationsPage {
        layout: Layout::new(&person, "Specifications", "/quality"),
        rows,
    })
}

/// One version's column of the side-by-side table.
pub(super) struct VersionColumn {
    pub version: i32,
    pub tag: Tag,
    /// A draft: it may be edited and published.
    pub draft: bool,
    /// Published: it may be retired.
    pub published: bool,
    /// Why publishing or retiring it was refused.
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "quality/specification.html")]
struct SpecificationPage {
    layout: Layout,
    code: String,
    title: String,
    columns: Vec<VersionColumn>,
    /// Each attribute's label and its value in each version.
    rows: Vec<(&'static str, Vec<String>)>,
    /// No draft exists: a new version may be started.
    can_add_version: bool,
    errors: Errors,
}

fn list_words<T: Copy>(items: &[T], as_str: impl Fn(T) -> &'static str) -> String {
    items
        .iter()
        .map(|i| page::words(as_str(*i)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a payment model pays on the outcome, in words.
fn outcome_payment(m: &provider_hub_domain::specification::PaymentModel) -> String {
    let paid = m
        .milestones
        .iter()
        .any(|s| s.milestone == provider_hub_domain::specification::Milestone::Outcome);
    if !paid {
        return "None: nothing is paid on the outcome".to_owned();
    }
    format!(
        "Once per person over {} months from their first intervention's start: {}% of it if no proven reoffence, {}% if fewer than predicted",
        m.outcome_period_months, m.outcome.binary_percent, m.outcome.frequency_percent
    )
}

/// A payment model's multipliers in words: `none` when ×1.00 for everyone.
fn multipliers(m: &provider_hub_domain::price::Multipliers) -> String {
    use provider_hub_domain::price::format_bps;
    if m.is_unit() {
        return "None: everyone pays the listing's price".into();
    }
    let tiers: Vec<String> = m
        .tier_bps
        .iter()
        .enumerate()
        .map(|(t, bps)| format!("tier {} {}", t + 1, format_bps(*bps)))
        .collect();
    let risks: Vec<String> = provider_hub_domain::need::RiskOfHarm::ALL
        .iter()
        .zip(m.risk_of_harm_bps)
        .map(|(r, bps)| {
            format!(
                "{} risk {}",
                page::words(r.as_str()).to_lowercase(),
                format_bps(bps)
            )
        })
        .collect();
    format!("{}; {}", tiers.join(", "), risks.join(", "))
}

/// What a version says, attribute by attribute, as people read it.
pub(super) fn attributes(v: &SpecificationVersion) -> Vec<(&'static str, String)> {
    let c = &v.content;
    let d = &c.delivery_standard;
    let e = &c.eligibility;
    let tiers: Vec<String> = e.tiers.iter().map(u8::to_string).collect();
    let payment = c
        .payment_model
        .milestones
        .iter()
        .map(|s| format!("{}% at {}", s.percent, s.milestone.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        ("Title", c.title.clone()),
        (
            "Description",
            if c.description.is_empty() {
                "None".into()
            } else {
                c.description.clone()
            },
        ),
        ("Category", page::words(c.category.as_str())),
        ("Needs addressed", list_words(&c.needs, |n| n.as_str())),
        (
            "Delivery standard",
            format!(
                "At least {} sessions and {} hours, {}",
                d.min_sessions,
                d.min_hours,
                page::words(d.format.as_str()).to_lowercase()
            ),
        ),
        ("Unit of purchase", c.unit_of_purchase.clone()),
        ("Price cap", page::pounds(c.price_cap_pence)),
        (
            "Who it is for",
            format!(
                "{}, aged {} to {}",
                list_words(&e.sexes, |s| s.as_str()),
                e.min_age,
                e.max_age
            ),
        ),
        (
            "Highest risk of serious harm",
            page::words(e.max_risk_of_harm.as_str()),
        ),
        ("Tiers", tiers.join(", ")),
        ("Payment", payment),
        ("Outcome payment", outcome_payment(&c.payment_model)),
        (
            "Price multipliers",
            multipliers(&c.payment_model.multipliers),
        ),
        (
            "Published",
            v.published_at.map(instant).unwrap_or_else(|| "No".into()),
        ),
        (
            "Retired",
            v.retired_at.map(instant).unwrap_or_else(|| "No".into()),
        ),
    ]
}

pub(super) async fn detail(
    state: &WebState,
    code: String,
) -> Result<SpecificationDetail, WebError> {
    state.db(move |conn| specifications::get(conn, &code)).await
}

fn specification_page(
    person: &Person,
    d: &SpecificationDetail,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let mut rows: Vec<(&'static str, Vec<String>)> = Vec::new();
    for v in &d.versions {
        for (i, (label, value)) in attributes(v).into_iter().enumerate() {
            match rows.get_mut(i) {
                Some(row) => row.1.push(value),
                None => rows.push((label, vec![value])),
            }
        }
    }
    let columns = d
        .versions
        .iter()
        .map(|v| VersionColumn {
            version: v.version,
            tag: Tag::of(v.status.as_str()),
            // The buttons the domain's rules allow; the use case decides again on posting.
            draft: v.status.publish().is_ok(),
            published: v.status.retire().is_ok(),
            error: errors
                .0
                .iter()
                .find(|e| e.id.ends_with(&format!("-{}", v.version)))
                .map(|e| e.message.clone()),
        })
        .collect();
    let title = d
        .versions
        .last()
        .map(|v| v.content.title.clone())
        .unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    let has_errors = !errors.is_empty();
    render_status(
        &SpecificationPage {
            layout: Layout::new(person, format!("Specification {}", d.code), "/quality")
                .with_errors(has_errors),
            code: d.code.as_str().to_owned(),
            title,
            columns,
            rows,
            can_add_version: !d
                .versions
                .iter()
                .any(|v| v.status == SpecificationStatus::Draft),
            errors,
        },
        status,
    )
}

/// A specification's versions side by side.
pub async fn specification(
    state: web::Data<WebState>,
    person: Person,
    code: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let d = detail(&state, code.into_inner()).await?;
    specification_page(&person, &d, Errors::default())
}

#[derive(Template)]
#[template(path = "quality/specification_retire.html")]
struct RetirePage {
    layout: Layout,
    code: String,
    version: i32,
    title: String,
}

/// Retiring cannot be undone: the quality team confirms it first.
pub async fn confirm_retire(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let (code, version) = path.into_inner();
    let v = state
        .db(move |conn| specifications::get_version(conn, &code, version))
        .await?;
    render(&RetirePage {
        layout: Layout::new(&person, "Retire the version", "/quality"),
        code: v.code.as_str().to_owned(),
        version: v.version,
        title: v.content.title,
    })
}

type Rule = fn(
    &mut provider_hub_store::DbConn,
    &provider_hub_market::Actor,
    &str,
    i32,
    chrono::DateTime<chrono::Utc>,
) -> Result<SpecificationVersion, provider_hub_market::Error>;

/// Publishes or retires a version; a refusal shows the use case's reason.
pub async fn transition(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, i32, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    quality(&person)?;
    let (code, version, action) = path.into_inner();
    let (rule, done): (Rule, &str) = match action.as_str() {
        "publish" => (specifications::publish, "published"),
        "retire" => (specifications::retire, "retired"),
        _ => return Err(WebError::NotFound),
    };
    let (actor, now, c) = (person.actor(), state.now(), code.clone());
    let result = state
        .db(move |conn| Ok(rule(conn, &actor, &c, version, now)))
        .await?;
    match result {
        Ok(v) => {
            session::flash(&session, format!("{} version {} {done}", v.code, v.version));
            Ok(see_other(&format!("/quality/specifications/{}", v.code)))
        }
        Err(e) => {
            let id = format!("{action}-{version}");
            let errors = refusal(e, |_| id.clone(), &[], &id)?;
            let d = detail(&state, code).await?;
            specification_page(&person, &d, errors)
        }
    }
}
