//! Equality monitoring on the case page: the offender manager records the person's ethnic
//! group (ONS 2021) and disability, each optional — the same use case as the API's
//! `PUT /v1/cases/{crn}/equality`. Providers never see it.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use provider_hub_domain::equality::{Disability, Equality, EthnicGroup, EthnicGroupHighLevel};
use serde::Deserialize;

use super::cases::area_of;
use crate::form::{Choice, CsrfForm};
use crate::page::{see_other, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// The form as the case page shows it: the ethnic groups under their high-level group,
/// then disability.
pub(super) struct EqualityFormView {
    /// Each high-level group's words and its categories.
    pub groups: Vec<(&'static str, Vec<Choice>)>,
    pub prefer_not_to_say: bool,
    pub not_recorded: bool,
    pub disability: Vec<Choice>,
    /// What is recorded, in words, for the summary.
    pub ethnic_group_words: String,
    pub disability_words: String,
}

impl EqualityFormView {
    pub(super) fn of(e: Equality) -> Self {
        let groups = EthnicGroupHighLevel::ALL
            .iter()
            .map(|&h| {
                let choices = EthnicGroup::ALL
                    .iter()
                    .filter(|g| g.high_level() == Some(h))
                    .map(|&g| Choice {
                        value: g.as_str().to_owned(),
                        label: g.words().to_owned(),
                        checked: e.ethnic_group == Some(g),
                    })
                    .collect();
                (h.words(), choices)
            })
            .collect();
        let ethnic_group_words = match e.ethnic_group {
            None => "Not recorded".to_owned(),
            Some(EthnicGroup::PreferNotToSay) => "Prefer not to say".to_owned(),
            Some(g) => match g.high_level() {
                Some(h) => format!("{}: {}", h.words(), g.words()),
                None => g.words().to_owned(),
            },
        };
        EqualityFormView {
            groups,
            prefer_not_to_say: e.ethnic_group == Some(EthnicGroup::PreferNotToSay),
            not_recorded: e.ethnic_group.is_none(),
            disability: Disability::ALL
                .iter()
                .map(|&d| Choice {
                    value: d.as_str().to_owned(),
                    label: d.words().to_owned(),
                    checked: e.disability == Some(d),
                })
                .collect(),
            ethnic_group_words,
            disability_words: e
                .disability
                .map(|d| d.words().to_owned())
                .unwrap_or_else(|| "Not recorded".to_owned()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EqualityForm {
    /// Empty: not recorded.
    #[serde(default)]
    ethnic_group: String,
    #[serde(default)]
    disability: String,
}

fn word<T: std::str::FromStr>(text: &str) -> Result<Option<T>, WebError> {
    match text.trim() {
        "" => Ok(None),
        w => w.parse().map(Some).map_err(|_| WebError::BadForm),
    }
}

/// `POST /om/cases/{crn}/equality`.
pub async fn record(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    crn: web::Path<String>,
    CsrfForm(form): CsrfForm<EqualityForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let crn = crn.into_inner();
    // The form offers only the domain's words: anything else was not typed in it.
    let given = Equality {
        ethnic_group: word(&form.ethnic_group)?,
        disability: word(&form.disability)?,
    };
    let caller = person.caller(state.now());
    let case = crn.clone();
    state
        .db(move |conn| provider_hub_market::equality::record(conn, &caller, &case, given))
        .await?;
    session::flash(&session, format!("Equality monitoring recorded for {crn}"));
    Ok(see_other(&format!("/om/cases/{crn}")))
}
