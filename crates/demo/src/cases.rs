//! A demo case: the case, its countersigned assessment and its approved plan.

use super::*;

pub(super) fn requirement(r: Req) -> Result<Requirement, Error> {
    Ok(match r {
        Req::UnpaidWork(hours) => Requirement::UnpaidWork { hours },
        Req::Programme(code) => Requirement::AccreditedProgramme {
            code: SpecCode::parse(code).map_err(|e| corrupt("programme code", e))?,
        },
        Req::Alcohol(months) => Requirement::AlcoholTreatment { months },
        Req::Drugs(months) => Requirement::DrugRehabilitation { months },
        Req::MentalHealth(months) => Requirement::MentalHealthTreatment { months },
        Req::Rar(days) => Requirement::RehabilitationActivity { days },
    })
}

/// The case, its countersigned assessment and its approved plan; the plan's orders.
pub(super) fn ensure_case(
    conn: &mut DbConn,
    case: &CaseSeed,
    settings: Settings,
    added: &mut Added,
    now: DateTime<Utc>,
) -> Result<Vec<OrderView>, Error> {
    let today = now.date_naive();
    let area = AREAS
        .iter()
        .find(|a| a.code == case.area)
        .ok_or_else(|| corrupt("case area", case.area))?;
    let code = AreaCode::parse(area.code).map_err(|e| corrupt("area code", e))?;
    let scope = Scope::Area(code.clone());
    let om = Role::OffenderManager;
    let author = Caller::new(area.managers[0], om, scope.clone(), now);
    let countersigner = Caller::new(area.managers[1], om, scope.clone(), now);

    if !lookup::case_exists(conn, case.crn)? {
        let (month, day) = case.born;
        let date_of_birth = NaiveDate::from_ymd_opt(today.year() - case.age, month, day)
            .ok_or_else(|| corrupt("date of birth", case.crn))?;
        provider_hub_market::cases::register(
            conn,
            &author,
            NewCase {
                crn: Crn::parse(case.crn).map_err(|e| corrupt("crn", e))?,
                sex: case.sex,
                date_of_birth,
                area: code.clone(),
                ethnic_group: None,
                disability: None,
            },
        )?;
        added.cases += 1;
    }

    // Found by its upstream reference, whatever day it was recorded on.
    let external_ref = format!("OASYS-DEMO-{}", case.crn);
    let assessment = match lookup::assessment_by_external_ref(conn, &external_ref)? {
        Some(row) => provider_hub_market::assessments::get(conn, &author, &row.id)?,
        None => {
            let needs = Need::ALL
                .iter()
                .map(|need| {
                    let (severity, linked_to_offending) = case
                        .needs
                        .iter()
                        .find(|(n, _, _)| n == need)
                        .map(|(_, s, l)| (*s, *l))
                        .unwrap_or((Severity::Low, false));
                    NeedScore {
                        need: *need,
                        severity,
                        linked_to_offending,
                    }
                })
                .collect();
            let new = provider_hub_domain::assessment::NewAssessment {
                external_ref,
                crn: Crn::parse(case.crn).map_err(|e| corrupt("crn", e))?,
                tier: case.tier,
                risk_of_serious_harm: case.risk,
                reoffending_probability: case.reoffending,
                needs,
                requirements: case
                    .requirements
                    .iter()
                    .map(|r| requirement(*r))
                    .collect::<Result<_, _>>()?,
                sentence_date: days_before(today, case.sentenced_days_ago),
                court: Some(
                    provider_hub_domain::court::CourtCode::parse(area.court)
                        .map_err(|e| corrupt("court code", e))?,
                ),
            };
            let (view, created) = provider_hub_market::assessments::record(conn, &author, new)?;
            if created {
                added.assessments += 1;
            }
            view
        }
    };
    let mut status = assessment.status;
    if status == AssessmentStatus::Draft {
        status = provider_hub_market::assessments::submit(conn, &author, &assessment.id)?.status;
    }
    if status == AssessmentStatus::Submitted {
        status = provider_hub_market::assessments::decide(
            conn,
            &countersigner,
            &assessment.id,
            true,
            provider_hub_market::assessments::Decision::default(),
        )?
        .status;
    }
    if status != AssessmentStatus::Approved {
        return Err(Error::conflict(
            format!(
                "assessment {} of {} is {status}, not approved: the demo cannot buy its plan",
                assessment.id, case.crn
            ),
            Some(status.as_str()),
        ));
    }
    let plan = provider_hub_market::plans::for_assessment(conn, &author, &assessment.id)?;
    let was_proposed = plan.status == PlanStatus::Proposed;
    // Approving an approved plan creates nothing and answers the same orders.
    let approval = provider_hub_market::plans::approve(conn, &author, &plan.id, settings)?;
    if was_proposed {
        added.plans_approved += 1;
        added.orders += approval.orders.len();
    }
    Ok(approval.orders)
}
