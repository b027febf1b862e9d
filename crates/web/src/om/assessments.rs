//! The single assessment: recording it (every field), submitting it, and the
//! countersignature by another offender manager of the area (never its author).

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::assessment::{
    AssessmentStatus, NeedScore, NewAssessment, Requirement, Severity,
};
use provider_hub_domain::case::Crn;
use provider_hub_domain::need::{Need, RiskOfHarm};
use provider_hub_domain::specification::SpecCode;
use provider_hub_market::assessments::{self, AssessmentView, Decision};
use provider_hub_market::{cases, Error as MarketError};
use serde::Deserialize;

use super::cases::{area_of, label_errors, typed_date};
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// The court requirements the form asks for: (form field, label, unit).
const REQUIREMENTS: &[(&str, &str, &str)] = &[
    ("unpaid_work_hours", "Unpaid work", "hours"),
    (
        "accredited_programme_code",
        "Accredited programme",
        "specification code",
    ),
    ("alcohol_treatment_months", "Alcohol treatment", "months"),
    (
        "drug_rehabilitation_months",
        "Drug rehabilitation",
        "months",
    ),
    (
        "mental_health_treatment_months",
        "Mental health treatment",
        "months",
    ),
    ("attendance_centre_hours", "Attendance centre", "hours"),
    (
        "rehabilitation_activity_days",
        "Rehabilitation activity",
        "days",
    ),
];

pub(super) struct NeedField {
    pub code: &'static str,
    pub label: String,
    pub severity: String,
    pub linked: bool,
}

pub(super) struct RequirementField {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub value: String,
    pub is_code: bool,
}

#[derive(Template)]
#[template(path = "om/assessment_new.html")]
struct AssessmentFormPage {
    layout: Layout,
    crn: String,
    values: HashMap<String, String>,
    needs: Vec<NeedField>,
    requirements: Vec<RequirementField>,
    errors: Errors,
    severities: &'static [&'static str],
    risks: Vec<(&'static str, String)>,
}

impl AssessmentFormPage {
    fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    fn is(&self, name: &str, value: &str) -> bool {
        self.values.get(name).map(String::as_str) == Some(value)
    }
}

fn form_page(
    person: &Person,
    crn: String,
    values: HashMap<String, String>,
    errors: Errors,
) -> AssessmentFormPage {
    let needs = Need::ALL
        .iter()
        .map(|n| NeedField {
            code: n.as_str(),
            label: page::words(n.as_str()),
            severity: values
                .get(&format!("need-{}", n.as_str()))
                .cloned()
                .unwrap_or_else(|| "none".into()),
            linked: values.contains_key(&format!("linked-{}", n.as_str())),
        })
        .collect();
    let requirements = REQUIREMENTS
        .iter()
        .map(|(name, label, unit)| RequirementField {
            name,
            label,
            unit,
            value: values.get(*name).cloned().unwrap_or_default(),
            is_code: name.ends_with("_code"),
        })
        .collect();
    let title = format!("Record an assessment of {crn}");
    AssessmentFormPage {
        layout: Layout::new(person, title, "/om").with_errors(!errors.is_empty()),
        crn,
        values,
        needs,
        requirements,
        errors,
        severities: &["none", "low", "medium", "high"],
        risks: RiskOfHarm::ALL
            .iter()
            .map(|r| (r.as_str(), page::words(r.as_str())))
            .collect(),
    }
}

pub async fn new_assessment(
    state: web::Data<WebState>,
    person: Person,
    crn: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let crn = crn.into_inner();
    let caller = person.caller(state.now());
    let case = state
        .db(move |conn| cases::get(conn, &caller, &crn))
        .await?;
    render(&form_page(
        &person,
        case.crn,
        HashMap::new(),
        Errors::default(),
    ))
}

/// Reads the form into an assessment, or the errors of the fields that cannot be read;
/// also returns the form field each requirement came from.
fn parse(
    crn: &str,
    v: &HashMap<String, String>,
) -> (Option<NewAssessment>, Vec<&'static str>, Errors) {
    let mut errors = Errors::default();
    let get = |name: &str| v.get(name).map(|s| s.trim()).unwrap_or_default();
    let external_ref = get("external_ref").to_owned();
    if external_ref.is_empty() {
        errors.add("external_ref", "Enter the assessment's reference");
    }
    let court = match get("court") {
        "" => None,
        text => match provider_hub_domain::court::CourtCode::parse(text) {
            Ok(code) => Some(code),
            Err(e) => {
                errors.add("court", format!("Sentencing court code {e}"));
                None
            }
        },
    };
    let tier = get("tier").parse::<u8>().ok();
    if tier.is_none() {
        errors.add("tier", "Select the risk tier");
    }
    let risk = get("risk_of_serious_harm").parse::<RiskOfHarm>().ok();
    if risk.is_none() {
        errors.add("risk_of_serious_harm", "Select the risk of serious harm");
    }
    let probability = get("reoffending_probability").parse::<u8>().ok();
    if probability.is_none() {
        errors.add(
            "reoffending_probability",
            "Reoffending probability must be a whole number from 0 to 100",
        );
    }
    let mut needs = Vec::new();
    for n in Need::ALL {
        let id = format!("need-{}", n.as_str());
        match get(&id).parse::<Severity>() {
            Ok(severity) => needs.push(NeedScore {
                need: *n,
                severity,
                linked_to_offending: v.contains_key(&format!("linked-{}", n.as_str())),
            }),
            Err(_) => errors.add(
                &id,
                format!(
                    "Select how severe the {} need is",
                    page::words(n.as_str()).to_lowercase()
                ),
            ),
        }
    }
    let mut requirements = Vec::new();
    let mut sources = Vec::new();
    for (name, label, unit) in REQUIREMENTS {
        let text = get(name);
        if text.is_empty() {
            continue;
        }
        let requirement = if *name == "accredited_programme_code" {
            match SpecCode::parse(text) {
                Ok(code) => Some(Requirement::AccreditedProgramme { code }),
                Err(e) => {
                    errors.add(name, format!("{label} code {e}"));
                    None
                }
            }
        } else {
            match text.parse::<u32>() {
                Ok(n) => Some(match *name {
                    "unpaid_work_hours" => Requirement::UnpaidWork { hours: n },
                    "alcohol_treatment_months" => Requirement::AlcoholTreatment { months: n },
                    "drug_rehabilitation_months" => Requirement::DrugRehabilitation { months: n },
                    "mental_health_treatment_months" => {
                        Requirement::MentalHealthTreatment { months: n }
                    }
                    "attendance_centre_hours" => Requirement::AttendanceCentre { hours: n },
                    _ => Requirement::RehabilitationActivity { days: n },
                }),
                Err(_) => {
                    errors.add(name, format!("{label} must be a whole number of {unit}"));
                    None
                }
            }
        };
        if let Some(r) = requirement {
            requirements.push(r);
            sources.push(*name);
        }
    }
    let sentence_date = typed_date(
        get("sentence_date-day"),
        get("sentence_date-month"),
        get("sentence_date-year"),
    );
    if sentence_date.is_none() {
        errors.add(
            "sentence_date-day",
            "Sentence date must be a real date, like 1 11 2026",
        );
    }
    let crn = Crn::parse(crn).ok();
    let new = match (crn, tier, risk, probability, sentence_date) {
        (
            Some(crn),
            Some(tier),
            Some(risk_of_serious_harm),
            Some(reoffending_probability),
            Some(sentence_date),
        ) if errors.is_empty() => Some(NewAssessment {
            external_ref,
            crn,
            tier,
            risk_of_serious_harm,
            reoffending_probability,
            needs,
            requirements,
            sentence_date,
            court,
        }),
        _ => None,
    };
    (new, sources, errors)
}

pub async fn record(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    crn: web::Path<String>,
    CsrfForm(values): CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let crn = crn.into_inner();
    let (new, sources, errors) = parse(&crn, &values);
    let Some(new) = new else {
        return again(&person, crn, values, errors);
    };
    let caller = person.caller(state.now());
    let result = state
        .db(move |conn| Ok(assessments::record(conn, &caller, new)))
        .await?;
    match result {
        Ok((view, _)) => {
            session::flash(&session, "Assessment recorded as a draft");
            Ok(see_other(&format!("/om/assessments/{}", view.id)))
        }
        Err(MarketError::Validation(v)) => {
            let errors = Errors::from_fields(&v.0, |field| {
                if let Some(rest) = field.strip_prefix("requirements[") {
                    let index: usize = rest
                        .split(']')
                        .next()
                        .and_then(|i| i.parse().ok())
                        .unwrap_or(0);
                    return sources
                        .get(index)
                        .copied()
                        .unwrap_or("unpaid_work_hours")
                        .to_owned();
                }
                match field {
                    "sentence_date" => "sentence_date-day".into(),
                    "needs" => "need-accommodation".into(),
                    "crn" => "external_ref".into(),
                    other => other.to_owned(),
                }
            });
            let mut labels: Vec<(&str, &str)> = vec![
                ("external_ref", "Assessment reference"),
                ("tier", "Risk tier"),
                ("reoffending_probability", "Reoffending probability"),
                ("sentence_date-day", "Sentence date"),
                ("need-accommodation", "Needs"),
            ];
            labels.extend(REQUIREMENTS.iter().map(|(n, l, _)| (*n, *l)));
            again(&person, crn, values, label_errors(errors, &labels))
        }
        Err(MarketError::Conflict { detail, .. }) => {
            let mut errors = Errors::default();
            errors.add("external_ref", page::capitalise(&detail));
            again(&person, crn, values, errors)
        }
        Err(e) => Err(e.into()),
    }
}

fn again(
    person: &Person,
    crn: String,
    values: HashMap<String, String>,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    render_status(
        &form_page(person, crn, values, errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// A requirement in words: `Unpaid work: 120 hours`.
pub(crate) fn requirement_words(r: &Requirement) -> String {
    match r {
        Requirement::UnpaidWork { hours } => format!("Unpaid work: {hours} hours"),
        Requirement::AccreditedProgramme { code } => {
            format!("Accredited programme {}", code.as_str())
        }
        Requirement::AlcoholTreatment { months } => format!("Alcohol treatment: {months} months"),
        Requirement::DrugRehabilitation { months } => {
            format!("Drug rehabilitation: {months} months")
        }
        Requirement::MentalHealthTreatment { months } => {
            format!("Mental health treatment: {months} months")
        }
        Requirement::AttendanceCentre { hours } => format!("Attendance centre: {hours} hours"),
        Requirement::RehabilitationActivity { days } => {
            format!("Rehabilitation activity: {days} days")
        }
    }
}

#[derive(Template)]
#[template(path = "om/assessment.html")]
struct AssessmentPage {
    layout: Layout,
    a: AssessmentView,
    tag: Tag,
    risk: String,
    needs: Vec<(String, String, &'static str)>,
    requirements: Vec<String>,
    sentence_date: String,
    mine: bool,
    errors: Errors,
    reason: String,
}

fn assessment_page(
    person: &Person,
    a: AssessmentView,
    errors: Errors,
    reason: String,
) -> AssessmentPage {
    AssessmentPage {
        layout: Layout::new(person, format!("Assessment of {}", a.crn), "/om")
            .with_errors(!errors.is_empty()),
        tag: Tag::of(a.status.as_str()),
        risk: page::words(a.risk_of_serious_harm.as_str()),
        needs: a
            .needs
            .iter()
            .map(|n| {
                (
                    page::words(n.need.as_str()),
                    page::words(n.severity.as_str()),
                    if n.linked_to_offending { "Yes" } else { "No" },
                )
            })
            .collect(),
        requirements: a.requirements.iter().map(requirement_words).collect(),
        sentence_date: page::date(a.sentence_date),
        mine: a.author == person.sub,
        a,
        errors,
        reason,
    }
}

async fn load(state: &WebState, person: &Person, id: String) -> Result<AssessmentView, WebError> {
    let caller = person.caller(state.now());
    state
        .db(move |conn| assessments::get(conn, &caller, &id))
        .await
}

pub async fn assessment(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let a = load(&state, &person, id.into_inner()).await?;
    render(&assessment_page(
        &person,
        a,
        Errors::default(),
        String::new(),
    ))
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// What a submit, countersign or reject did: on to the next page, or the refusal shown
/// on the assessment's page, linked to the button or field it concerns.
/// What an action on an assessment was: its id, the flash on success, and the field a
/// refusal is shown on with what was typed there.
struct Action<'a> {
    id: String,
    done: &'a str,
    field: &'a str,
    reason: String,
}

async fn after(
    state: &WebState,
    person: &Person,
    session: &Session,
    result: Result<AssessmentView, MarketError>,
    action: Action<'_>,
) -> Result<HttpResponse, WebError> {
    let Action {
        id,
        done,
        field,
        reason,
    } = action;
    match result {
        Ok(view) => {
            session::flash(session, done);
            let next = if view.status == AssessmentStatus::Approved {
                format!("/om/assessments/{}/plan", view.id)
            } else {
                format!("/om/assessments/{}", view.id)
            };
            Ok(see_other(&next))
        }
        Err(MarketError::NotFound(_)) => Err(WebError::NotFound),
        Err(
            e @ (MarketError::Forbidden(_)
            | MarketError::Conflict { .. }
            | MarketError::Validation(_)),
        ) => {
            let message = match e {
                MarketError::Validation(v) => {
                    v.0.iter()
                        .map(|f| format!("{} {}", page::capitalise(&f.field), f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
                other => page::capitalise(&other.to_string()),
            };
            let mut errors = Errors::default();
            errors.add(field, message);
            let a = load(state, person, id).await?;
            let status = StatusCode::CONFLICT;
            render_status(&assessment_page(person, a, errors, reason), status)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let (aid, caller) = (id.clone(), person.caller(state.now()));
    let result = state
        .db(move |conn| Ok(assessments::submit(conn, &caller, &aid)))
        .await?;
    let action = Action {
        id,
        done: "Assessment submitted for countersignature",
        field: "submit",
        reason: String::new(),
    };
    after(&state, &person, &session, result, action).await
}

async fn decide(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: String,
    approve: bool,
    reason: String,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let (aid, caller) = (id.clone(), person.caller(state.now()));
    let decision = Decision {
        reason: (!reason.trim().is_empty()).then(|| reason.trim().to_owned()),
    };
    let result = state
        .db(move |conn| Ok(assessments::decide(conn, &caller, &aid, approve, decision)))
        .await?;
    let (done, field) = if approve {
        (
            "Assessment countersigned: its sentence plan is ready",
            "countersign",
        )
    } else {
        ("Assessment rejected", "reason")
    };
    let action = Action {
        id,
        done,
        field,
        reason,
    };
    after(&state, &person, &session, result, action).await
}

pub async fn countersign(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    decide(state, person, session, id.into_inner(), true, String::new()).await
}

pub async fn reject(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Result<HttpResponse, WebError> {
    decide(state, person, session, id.into_inner(), false, form.reason).await
}
