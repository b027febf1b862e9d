//! The sentence plan's rules (SPEC.md §2): which interventions an approved assessment
//! calls for, in which category, how urgently, and by when each must start.
//!
//! - One item per court requirement, in the court's order (priority 1).
//! - One item per need of severity `medium` or `high` that is linked to offending
//!   (priority 2 for `high`, 3 for `medium`), unless the need is already covered: by a
//!   requirement that treats it (an alcohol treatment requirement covers `alcohol`), or by
//!   an item of the same category (`lifestyle`, `thinking_behaviour` and `attitudes` are
//!   all met by one `thinking_behaviour` intervention). A covered need is listed on the
//!   item that covers it, so the plan still shows it is addressed.
//! - A rehabilitation activity requirement is directed at the person's needs: it takes
//!   over the most pressing need item not already covered (so that need is not bought
//!   twice); with no such need it is a `thinking_behaviour` intervention.
//! - Each item must start by its required-by date: the sentence date plus the category's
//!   lead time. If that day has passed when the plan is made (a late assessment), the
//!   item is due the lead time after the plan is made instead, and is marked `late`.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::assessment::{NeedScore, Requirement, Severity};
use crate::category::Category;
use crate::need::Need;
use crate::specification::SpecCode;

/// The category of intervention that delivers a court requirement, where the requirement
/// itself decides it (a rehabilitation activity requirement follows the person's needs).
pub fn requirement_category(requirement: &Requirement) -> Option<Category> {
    Some(match requirement {
        Requirement::UnpaidWork { .. } => Category::UnpaidWork,
        Requirement::AccreditedProgramme { .. } => Category::AccreditedProgramme,
        Requirement::AlcoholTreatment { .. } => Category::AlcoholTreatment,
        Requirement::DrugRehabilitation { .. } => Category::DrugRehabilitation,
        Requirement::MentalHealthTreatment { .. } => Category::MentalHealthTreatment,
        Requirement::AttendanceCentre { .. } => Category::AttendanceCentre,
        Requirement::RehabilitationActivity { .. } => return None,
    })
}

/// The needs a requirement treats: a need it covers adds no second item.
pub fn requirement_covers(requirement: &Requirement) -> &'static [Need] {
    match requirement {
        Requirement::AlcoholTreatment { .. } => &[Need::Alcohol],
        Requirement::DrugRehabilitation { .. } => &[Need::Drugs],
        Requirement::MentalHealthTreatment { .. } => &[Need::EmotionalWellbeing],
        // Accredited programmes are cognitive-behavioural: thinking and attitudes.
        Requirement::AccreditedProgramme { .. } => &[Need::ThinkingBehaviour, Need::Attitudes],
        Requirement::UnpaidWork { .. }
        | Requirement::AttendanceCentre { .. }
        | Requirement::RehabilitationActivity { .. } => &[],
    }
}

/// The category of intervention that meets a criminogenic need.
pub fn need_category(need: Need) -> Category {
    match need {
        Need::Accommodation => Category::Accommodation,
        Need::EducationTrainingEmployment => Category::EducationTrainingEmployment,
        Need::Finance => Category::FinanceBenefitDebt,
        Need::Relationships => Category::FamilyRelationships,
        Need::Drugs => Category::DrugRehabilitation,
        Need::Alcohol => Category::AlcoholTreatment,
        Need::EmotionalWellbeing => Category::MentalHealthTreatment,
        Need::Lifestyle | Need::ThinkingBehaviour | Need::Attitudes => Category::ThinkingBehaviour,
    }
}

/// Does this scored need call for an intervention of its own?
pub fn calls_for_intervention(score: &NeedScore) -> bool {
    score.linked_to_offending && matches!(score.severity, Severity::Medium | Severity::High)
}

crate::string_enum! {
    /// A plan is proposed when its assessment is approved; approving it purchases.
    pub enum PlanStatus {
        Proposed => "proposed",
        Approved => "approved",
    }
}

/// Days a lead time may be set to.
pub const LEAD_TIME_DAYS: RangeInclusive<u32> = 1..=365;

/// Days from the sentence date by which an intervention of each category should start,
/// unless commissioners set otherwise. Court-ordered work starts soonest (unpaid work
/// within two weeks), treatment within three to four weeks, accommodation within a week
/// because everything else depends on it, and programmes with long waits within 90 days.
pub const DEFAULT_LEAD_TIMES: &[(Category, u32)] = &[
    (Category::AccreditedProgramme, 90),
    (Category::UnpaidWork, 14),
    (Category::AttendanceCentre, 28),
    (Category::AlcoholTreatment, 21),
    (Category::DrugRehabilitation, 21),
    (Category::MentalHealthTreatment, 28),
    (Category::RestorativeJustice, 84),
    (Category::Accommodation, 7),
    (Category::EducationTrainingEmployment, 42),
    (Category::FinanceBenefitDebt, 28),
    (Category::FamilyRelationships, 42),
    (Category::WomensServices, 21),
    (Category::ThinkingBehaviour, 56),
];

/// The lead time of every category: the defaults, with commissioners' settings over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadTimes(BTreeMap<Category, u32>);

impl Default for LeadTimes {
    fn default() -> Self {
        Self(DEFAULT_LEAD_TIMES.iter().copied().collect())
    }
}

impl LeadTimes {
    /// The defaults with `overrides` applied.
    pub fn with(overrides: impl IntoIterator<Item = (Category, u32)>) -> Self {
        let mut times = Self::default();
        times.0.extend(overrides);
        times
    }

    pub fn days(&self, category: Category) -> u32 {
        self.0.get(&category).copied().unwrap_or(28)
    }

    pub fn default_days(category: Category) -> u32 {
        Self::default().days(category)
    }
}

/// One intervention the plan calls for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlannedItem {
    pub category: Category,
    /// The specification a court named (an accredited programme's code), if any.
    #[schema(value_type = Option<String>, example = "BBR")]
    pub specification_code: Option<SpecCode>,
    /// The court requirement this item delivers, if it is one.
    pub requirement: Option<Requirement>,
    /// The linked medium or high needs it addresses.
    pub needs: Vec<Need>,
    /// 1: court-ordered; 2: a high need; 3: a medium need.
    #[schema(minimum = 1, maximum = 3)]
    pub priority: u8,
    /// The last day on which the intervention may start.
    pub required_by: NaiveDate,
    /// The lead time used, in days.
    pub lead_time_days: u32,
    /// The sentence date plus the lead time had passed when the plan was made.
    pub late: bool,
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// The items of the sentence plan for an approved assessment, made on `today`.
pub fn plan_items(
    needs: &[NeedScore],
    requirements: &[Requirement],
    sentence_date: NaiveDate,
    today: NaiveDate,
    lead_times: &LeadTimes,
) -> Vec<PlannedItem> {
    struct Draft {
        category: Category,
        code: Option<SpecCode>,
        requirement: Option<Requirement>,
        covers: Vec<Need>,
        needs: Vec<Need>,
        priority: u8,
    }
    let mut drafts: Vec<Draft> = Vec::new();
    for requirement in requirements {
        if let Some(category) = requirement_category(requirement) {
            let code = match requirement {
                Requirement::AccreditedProgramme { code } => Some(code.clone()),
                _ => None,
            };
            drafts.push(Draft {
                category,
                code,
                requirement: Some(requirement.clone()),
                covers: requirement_covers(requirement).to_vec(),
                needs: Vec::new(),
                priority: 1,
            });
        }
    }
    // Most pressing first: high before medium, then in the assessment's order of needs.
    let mut pressing: Vec<&NeedScore> =
        needs.iter().filter(|n| calls_for_intervention(n)).collect();
    pressing.sort_by_key(|n| (std::cmp::Reverse(n.severity), n.need));
    for score in pressing {
        let category = need_category(score.need);
        let covering = drafts
            .iter()
            .position(|d| d.covers.contains(&score.need))
            .or_else(|| drafts.iter().position(|d| d.category == category));
        match covering {
            Some(i) => drafts[i].needs.push(score.need),
            None => drafts.push(Draft {
                category,
                code: None,
                requirement: None,
                covers: Vec::new(),
                needs: vec![score.need],
                priority: if score.severity == Severity::High {
                    2
                } else {
                    3
                },
            }),
        }
    }
    for requirement in requirements {
        if requirement_category(requirement).is_some() {
            continue;
        }
        let need_led = drafts
            .iter()
            .enumerate()
            .filter(|(_, d)| d.requirement.is_none())
            .min_by_key(|(i, d)| (d.priority, *i))
            .map(|(i, _)| i);
        match need_led {
            Some(i) => {
                drafts[i].requirement = Some(requirement.clone());
                drafts[i].priority = 1;
            }
            None => drafts.push(Draft {
                category: Category::ThinkingBehaviour,
                code: None,
                requirement: Some(requirement.clone()),
                covers: Vec::new(),
                needs: Vec::new(),
                priority: 1,
            }),
        }
    }
    // Stable: court-ordered first in the court's order, then needs by pressure.
    let mut indexed: Vec<(usize, Draft)> = drafts.into_iter().enumerate().collect();
    indexed.sort_by_key(|(i, d)| (d.priority, *i));
    indexed
        .into_iter()
        .map(|(_, d)| {
            let lead_time_days = lead_times.days(d.category);
            let due = add_days(sentence_date, lead_time_days);
            let late = due < today;
            PlannedItem {
                category: d.category,
                specification_code: d.code,
                requirement: d.requirement,
                needs: d.needs,
                priority: d.priority,
                required_by: if late {
                    add_days(today, lead_time_days)
                } else {
                    due
                },
                lead_time_days,
                late,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// Every need at `severity`, linked or not.
    fn all_needs(severity: Severity, linked: bool) -> Vec<NeedScore> {
        Need::ALL
            .iter()
            .map(|n| NeedScore {
                need: *n,
                severity,
                linked_to_offending: linked,
            })
            .collect()
    }

    fn with(
        mut needs: Vec<NeedScore>,
        need: Need,
        severity: Severity,
        linked: bool,
    ) -> Vec<NeedScore> {
        for n in &mut needs {
            if n.need == need {
                n.severity = severity;
                n.linked_to_offending = linked;
            }
        }
        needs
    }

    fn code(s: &str) -> SpecCode {
        SpecCode::parse(s).expect("code")
    }

    /// (category, needs, priority) of one item.
    type Shape = (Category, Vec<Need>, u8);

    /// A named person and the plan expected for them.
    type Case = (&'static str, Vec<NeedScore>, Vec<Requirement>, Vec<Shape>);

    /// The shape of each item, in plan order.
    fn shape(items: &[PlannedItem]) -> Vec<Shape> {
        items
            .iter()
            .map(|i| (i.category, i.needs.clone(), i.priority))
            .collect()
    }

    fn plan(needs: &[NeedScore], requirements: &[Requirement]) -> Vec<PlannedItem> {
        plan_items(
            needs,
            requirements,
            d("2026-11-02"),
            d("2026-11-23"),
            &LeadTimes::default(),
        )
    }

    #[test]
    fn the_plan_follows_needs_and_requirements() {
        use Category as C;
        use Need as N;
        use Severity::*;
        let none = all_needs(Low, false);
        let cases: Vec<Case> = vec![
            (
                "nothing linked, nothing ordered",
                none.clone(),
                vec![],
                vec![],
            ),
            (
                "high but unlinked needs call for nothing",
                all_needs(High, false),
                vec![],
                vec![],
            ),
            (
                "low linked needs call for nothing",
                all_needs(Low, true),
                vec![],
                vec![],
            ),
            (
                "a requirement alone",
                none.clone(),
                vec![Requirement::UnpaidWork { hours: 120 }],
                vec![(C::UnpaidWork, vec![], 1)],
            ),
            (
                "one medium linked need",
                with(none.clone(), N::Accommodation, Medium, true),
                vec![],
                vec![(C::Accommodation, vec![N::Accommodation], 3)],
            ),
            (
                "every need high: one item per category, high first",
                all_needs(High, true),
                vec![],
                vec![
                    (C::Accommodation, vec![N::Accommodation], 2),
                    (
                        C::EducationTrainingEmployment,
                        vec![N::EducationTrainingEmployment],
                        2,
                    ),
                    (C::FinanceBenefitDebt, vec![N::Finance], 2),
                    (C::FamilyRelationships, vec![N::Relationships], 2),
                    (
                        C::ThinkingBehaviour,
                        vec![N::Lifestyle, N::ThinkingBehaviour, N::Attitudes],
                        2,
                    ),
                    (C::DrugRehabilitation, vec![N::Drugs], 2),
                    (C::AlcoholTreatment, vec![N::Alcohol], 2),
                    (C::MentalHealthTreatment, vec![N::EmotionalWellbeing], 2),
                ],
            ),
            (
                "a requirement and the same need: one item",
                with(none.clone(), N::Alcohol, High, true),
                vec![Requirement::AlcoholTreatment { months: 6 }],
                vec![(C::AlcoholTreatment, vec![N::Alcohol], 1)],
            ),
            (
                "a programme covers thinking and attitudes, not accommodation",
                with(
                    with(
                        with(none.clone(), N::Attitudes, Medium, true),
                        N::ThinkingBehaviour,
                        High,
                        true,
                    ),
                    N::Accommodation,
                    Medium,
                    true,
                ),
                vec![Requirement::AccreditedProgramme { code: code("BBR") }],
                vec![
                    (
                        C::AccreditedProgramme,
                        vec![N::ThinkingBehaviour, N::Attitudes],
                        1,
                    ),
                    (C::Accommodation, vec![N::Accommodation], 3),
                ],
            ),
            (
                "high needs come before medium ones",
                with(
                    with(none.clone(), N::Finance, Medium, true),
                    N::Drugs,
                    High,
                    true,
                ),
                vec![],
                vec![
                    (C::DrugRehabilitation, vec![N::Drugs], 2),
                    (C::FinanceBenefitDebt, vec![N::Finance], 3),
                ],
            ),
            (
                "a rehabilitation activity takes over the most pressing need",
                with(
                    with(none.clone(), N::Finance, Medium, true),
                    N::Relationships,
                    High,
                    true,
                ),
                vec![Requirement::RehabilitationActivity { days: 20 }],
                vec![
                    (C::FamilyRelationships, vec![N::Relationships], 1),
                    (C::FinanceBenefitDebt, vec![N::Finance], 3),
                ],
            ),
            (
                "a rehabilitation activity with no need is thinking and behaviour",
                none.clone(),
                vec![Requirement::RehabilitationActivity { days: 10 }],
                vec![(C::ThinkingBehaviour, vec![], 1)],
            ),
            (
                "requirements keep the court's order",
                none,
                vec![
                    Requirement::DrugRehabilitation { months: 6 },
                    Requirement::UnpaidWork { hours: 80 },
                ],
                vec![
                    (C::DrugRehabilitation, vec![], 1),
                    (C::UnpaidWork, vec![], 1),
                ],
            ),
        ];
        for (name, needs, requirements, expected) in cases {
            assert_eq!(shape(&plan(&needs, &requirements)), expected, "{name}");
        }
    }

    #[test]
    fn an_accredited_programme_names_its_specification() {
        let items = plan(
            &all_needs(Severity::None, false),
            &[Requirement::AccreditedProgramme { code: code("TSP") }],
        );
        assert_eq!(items[0].specification_code, Some(code("TSP")));
        assert_eq!(
            items[0].requirement,
            Some(Requirement::AccreditedProgramme { code: code("TSP") })
        );
    }

    #[test]
    fn required_by_is_the_sentence_date_plus_the_lead_time() {
        let needs = with(
            all_needs(Severity::Low, false),
            Need::Accommodation,
            Severity::High,
            true,
        );
        let items = plan(&needs, &[Requirement::UnpaidWork { hours: 40 }]);
        // Sentenced 2026-11-02, planned 2026-11-23: unpaid work's 14 days ended on
        // 2026-11-16, so it is late and due 14 days from the plan instead.
        assert_eq!(items[0].category, Category::UnpaidWork);
        assert!(items[0].late);
        assert_eq!(items[0].required_by, d("2026-12-07"));
        // Accommodation's 7 days from sentence passed too.
        assert!(items[1].late);
        assert_eq!(items[1].required_by, d("2026-11-30"));

        let on_time = plan_items(
            &needs,
            &[Requirement::UnpaidWork { hours: 40 }],
            d("2026-11-20"),
            d("2026-11-23"),
            &LeadTimes::with([(Category::Accommodation, 10)]),
        );
        assert_eq!(on_time[0].required_by, d("2026-12-04"));
        assert!(!on_time[0].late);
        assert_eq!(on_time[1].lead_time_days, 10);
        assert_eq!(on_time[1].required_by, d("2026-11-30"));
    }

    #[test]
    fn every_category_has_a_default_lead_time_within_the_allowed_range() {
        for c in Category::ALL {
            let days = LeadTimes::default_days(*c);
            assert!(LEAD_TIME_DAYS.contains(&days), "{c}");
            assert!(DEFAULT_LEAD_TIMES.iter().any(|(k, _)| k == c), "{c}");
        }
    }
}
