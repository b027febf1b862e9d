//! Each report's chart and tables, from the market's report: the chart's figures are
//! the table's (or sums of its rows, in a table of their own), the detailed table's rows
//! are the CSV's rows.

use provider_hub_domain::category::Category;
use provider_hub_market::reports::{
    csv, ProvidersReport, SpendReport, UnmetDemandReport, WaitingTimesReport,
};

use super::report_pages::{by, cells, count, money, percent, Table};
use crate::chart::{self, BarChart, Grid, Labels};
use crate::page;

fn s(text: &str) -> String {
    text.to_owned()
}

/// The most rows a chart draws; the table beside it has every row.
const CHART_ROWS: usize = 30;

/// The `CHART_ROWS` rows with the largest `key`, in their order; and whether any were
/// left out.
fn top<T>(rows: Vec<T>, key: impl Fn(&T) -> i64) -> (Vec<T>, bool) {
    if rows.len() <= CHART_ROWS {
        return (rows, false);
    }
    let mut ranked: Vec<(usize, i64)> = rows.iter().map(&key).enumerate().collect();
    ranked.sort_by_key(|&(i, k)| (std::cmp::Reverse(k), i));
    let mut keep: Vec<usize> = ranked.iter().take(CHART_ROWS).map(|&(i, _)| i).collect();
    keep.sort_unstable();
    let kept = rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.binary_search(i).is_ok())
        .map(|(_, r)| r)
        .collect();
    (kept, true)
}

pub(super) fn spend(
    chart_out: &mut Option<BarChart>,
    tables: &mut Vec<Table>,
    r: &SpendReport,
    name: &dyn Fn(&str) -> String,
) {
    let sums = by(
        &r.rows,
        |l| l.area.clone(),
        |l| vec![l.committed_orders, l.committed_pence, l.paid_pence],
    );
    let (bars, cut) = top(
        sums.iter()
            .map(|(area, v)| (name(area), vec![Some(v[1]), Some(v[2])]))
            .collect::<Vec<_>>(),
        |(_, v)| v[0].unwrap_or(0),
    );
    *chart_out = Some(chart::bars(
        Labels {
            id: "chart-spend",
            title: if cut {
                "Committed and paid: the 30 areas with the most committed"
            } else {
                "Committed and paid by area"
            },
            description: "The same figures are in the table Spend by area, below the chart.",
            value_axis: "Pounds",
            label_axis: "Area",
        },
        &["Committed", "Paid"],
        &bars,
        page::pounds,
    ));
    tables.push(Table {
        caption: "Spend by area".into(),
        head: cells(
            &[s("Area")],
            &[s("Committed orders"), s("Committed"), s("Paid")],
        ),
        rows: sums
            .iter()
            .map(|(area, v)| {
                cells(
                    &[name(area)],
                    &[v[0].to_string(), page::pounds(v[1]), page::pounds(v[2])],
                )
            })
            .collect(),
        totals: Some(cells(
            &[s("Total")],
            &[
                r.totals.committed_orders.to_string(),
                page::pounds(r.totals.committed_pence),
                page::pounds(r.totals.paid_pence),
            ],
        )),
        left_out: 0,
    });
    tables.push(Table {
        caption: "Spend by area, category and provider".into(),
        head: cells(
            &[s("Area"), s("Category"), s("Provider")],
            &[s("Committed orders"), s("Committed"), s("Paid")],
        ),
        rows: r
            .rows
            .iter()
            .map(|l| {
                cells(
                    &[
                        l.area.clone(),
                        page::words(&l.category),
                        format!("{} ({})", l.provider_name, l.provider_id),
                    ],
                    &[
                        l.committed_orders.to_string(),
                        page::pounds(l.committed_pence),
                        page::pounds(l.paid_pence),
                    ],
                )
            })
            .collect(),
        // As the CSV download's last row.
        totals: Some(cells(
            &[s("Total"), String::new(), String::new()],
            &[
                r.totals.committed_orders.to_string(),
                page::pounds(r.totals.committed_pence),
                page::pounds(r.totals.paid_pence),
            ],
        )),
        left_out: 0,
    });
}

pub(super) fn unmet(
    grid_out: &mut Option<Grid>,
    tables: &mut Vec<Table>,
    r: &UnmetDemandReport,
    name: &dyn Fn(&str) -> String,
) {
    let mut areas: Vec<String> = r.rows.iter().map(|l| l.area.clone()).collect();
    areas.sort();
    areas.dedup();
    let categories: Vec<&Category> = Category::ALL
        .iter()
        .filter(|c| r.rows.iter().any(|l| l.category == c.as_str()))
        .collect();
    let counts: Vec<Vec<i64>> = areas
        .iter()
        .map(|a| {
            categories
                .iter()
                .map(|c| {
                    r.rows
                        .iter()
                        .filter(|l| &l.area == a && l.category == c.as_str())
                        .map(|l| l.unmet.unmatched + l.unmet.awaiting_approval)
                        .sum()
                })
                .collect()
        })
        .collect();
    *grid_out = Some(chart::grid(
        Labels {
            id: "chart-unmet-demand",
            title: "Orders not placed, by area and category",
            description: "Each cell gives the orders unmatched or awaiting approval; darker cells have more. The same figures are in the table below the grid.",
            value_axis: "Orders not placed",
            label_axis: "Area",
        },
        &areas.iter().map(|a| name(a)).collect::<Vec<_>>(),
        &categories
            .iter()
            .map(|c| page::words(c.as_str()))
            .collect::<Vec<_>>(),
        &counts,
    ));
    let rule = |u: &provider_hub_market::reports::Unmet| {
        u.top_rule
            .and_then(|rule| serde_json::to_value(rule).ok())
            .and_then(|v| v.as_str().map(page::words))
            .unwrap_or_else(|| "–".into())
    };
    let t = &r.totals;
    tables.push(Table {
        caption: "Orders not placed, by area and category".into(),
        head: cells(
            &[
                s("Area"),
                s("Category"),
                s("Rule excluding the most listings"),
            ],
            &[
                s("Not placed"),
                s("Unmatched"),
                s("Awaiting approval"),
                s("Average days waiting"),
                s("Longest days waiting"),
                s("Listings the rule excluded"),
            ],
        ),
        rows: r
            .rows
            .iter()
            .map(|l| {
                let u = &l.unmet;
                cells(
                    &[name(&l.area), page::words(&l.category), rule(u)],
                    &[
                        (u.unmatched + u.awaiting_approval).to_string(),
                        u.unmatched.to_string(),
                        u.awaiting_approval.to_string(),
                        count(Some(csv::days(u.average_days_waiting)).filter(|d| !d.is_empty())),
                        count(u.longest_days_waiting),
                        count(u.top_rule_excluded),
                    ],
                )
            })
            .collect(),
        totals: Some(cells(
            &[s("Total"), String::new(), rule(t)],
            &[
                (t.unmatched + t.awaiting_approval).to_string(),
                t.unmatched.to_string(),
                t.awaiting_approval.to_string(),
                count(Some(csv::days(t.average_days_waiting)).filter(|d| !d.is_empty())),
                count(t.longest_days_waiting),
                count(t.top_rule_excluded),
            ],
        )),
        left_out: 0,
    });
}

pub(super) fn waits(
    chart_out: &mut Option<BarChart>,
    tables: &mut Vec<Table>,
    r: &WaitingTimesReport,
    name: &dyn Fn(&str) -> String,
) {
    let label = |area: &str, category: &str| format!("{area}: {}", page::words(category));
    let (bars, cut) = top(
        r.rows
            .iter()
            .map(|l| {
                (
                    label(&l.area, &l.category),
                    vec![l.waits.committed_p50_days, l.waits.started_p50_days],
                )
            })
            .collect::<Vec<_>>(),
        |(_, v)| v[0].unwrap_or(0),
    );
    *chart_out = Some(chart::bars(
        Labels {
            id: "chart-waiting-times",
            title: if cut {
                "Median days from plan approval to the start: the 30 longest waits to a committed start"
            } else {
                "Median days from plan approval to the start, by area and category"
            },
            description: "The same figures are in the table below the chart, with the 90th percentiles and averages.",
            value_axis: "Days",
            label_axis: "Area and category",
        },
        &["To the committed start", "To the actual start"],
        &bars,
        |d| d.to_string(),
    ));
    let figures = |w: &provider_hub_market::reports::Waits| {
        let days = |d: Option<f64>| count(Some(csv::days(d)).filter(|d| !d.is_empty()));
        vec![
            w.orders_approved.to_string(),
            w.committed_orders.to_string(),
            count(w.committed_p50_days),
            count(w.committed_p90_days),
            days(w.committed_average_days),
            w.started_orders.to_string(),
            count(w.started_p50_days),
            count(w.started_p90_days),
            days(w.started_average_days),
        ]
    };
    tables.push(Table {
        caption: "Days from plan approval to the start, by area and category".into(),
        head: cells(
            &[s("Area"), s("Category")],
            &[
                s("Orders approved"),
                s("With a committed start"),
                s("Committed: median days"),
                s("Committed: 90th percentile"),
                s("Committed: average"),
                s("Started"),
                s("Started: median days"),
                s("Started: 90th percentile"),
                s("Started: average"),
            ],
        ),
        rows: r
            .rows
            .iter()
            .map(|l| {
                cells(
                    &[name(&l.area), page::words(&l.category)],
                    &figures(&l.waits),
                )
            })
            .collect(),
        totals: Some(cells(
            &[s("All orders"), String::new()],
            &figures(&r.totals),
        )),
        left_out: 0,
    });
}

pub(super) fn providers(
    chart_out: &mut Option<BarChart>,
    tables: &mut Vec<Table>,
    r: &ProvidersReport,
) {
    let pct = |rate: Option<f64>| rate.map(|r| (r * 100.0).round() as i64);
    let (lines, cut) = top(r.rows.iter().collect(), |l| l.performance.offers_made);
    let bars: Vec<(String, Vec<Option<i64>>)> = lines
        .iter()
        .map(|l| {
            (
                l.provider_name.clone(),
                vec![
                    pct(l.performance.acceptance_rate),
                    pct(l.performance.completion_rate),
                ],
            )
        })
        .collect();
    *chart_out = Some(chart::bars(
        Labels {
            id: "chart-providers",
            title: if cut {
                "Acceptance and completion rates of the 30 providers with the most offers"
            } else {
                "Acceptance and completion rates by provider"
            },
            description: "Rounded to whole percentages; the same figures, to two decimal places, are in the tables below the chart.",
            value_axis: "Per cent",
            label_axis: "Provider",
        },
        &["Offers accepted", "Orders completed"],
        &bars,
        |v| format!("{v}%"),
    ));
    let offers = |p: &provider_hub_market::reports::Performance| {
        vec![
            p.offers_made.to_string(),
            p.accepted.to_string(),
            p.declined.to_string(),
            p.expired.to_string(),
            percent(p.acceptance_rate),
        ]
    };
    let orders = |p: &provider_hub_market::reports::Performance| {
        vec![
            p.orders.to_string(),
            p.completed.to_string(),
            p.failed.to_string(),
            percent(p.completion_rate),
            p.outcomes_recorded.to_string(),
            p.no_proven_reoffence.to_string(),
            percent(p.outcome_rate),
            money(p.average_accepted_price_pence),
            money(p.average_price_cap_pence),
            percent(p.price_to_cap),
        ]
    };
    let provider = |l: &provider_hub_market::reports::ProviderLine| l.provider_name.clone();
    tables.push(Table {
        caption: "Offers by provider".into(),
        head: cells(
            &[s("Provider"), s("Most frequent decline reasons")],
            &[
                s("Offers made"),
                s("Accepted"),
                s("Declined"),
                s("Expired"),
                s("Acceptance rate"),
            ],
        ),
        rows: r
            .rows
            .iter()
            .map(|l| {
                let reasons = csv::decline_reasons(&l.decline_reasons);
                cells(
                    &[
                        provider(l),
                        if reasons.is_empty() {
                            "–".into()
                        } else {
                            reasons
                        },
                    ],
                    &offers(&l.performance),
                )
            })
            .collect(),
        totals: Some(cells(
            &[s("All providers"), String::new()],
            &offers(&r.totals),
        )),
        left_out: 0,
    });
    tables.push(Table {
        caption: "Orders by provider".into(),
        head: cells(
            &[s("Provider")],
            &[
                s("Orders"),
                s("Completed"),
                s("Failed"),
                s("Completion rate"),
                s("Outcomes recorded"),
                s("No proven reoffence"),
                s("Outcome rate"),
                s("Average accepted price"),
                s("Average price cap"),
                s("Price to cap"),
            ],
        ),
        rows: r
            .rows
            .iter()
            .map(|l| cells(&[provider(l)], &orders(&l.performance)))
            .collect(),
        totals: Some(cells(&[s("All providers")], &orders(&r.totals))),
        left_out: 0,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_keeps_the_largest_rows_in_their_order() {
        let rows: Vec<i64> = (0..40).collect();
        let (kept, cut) = top(rows, |v| *v);
        assert!(cut);
        assert_eq!(kept, (10..40).collect::<Vec<_>>());
        let (kept, cut) = top(vec![3, 1, 2], |v| *v);
        assert_eq!((kept, cut), (vec![3, 1, 2], false));
    }
}
