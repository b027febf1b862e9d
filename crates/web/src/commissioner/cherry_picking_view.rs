//! The cherry-picking report's chart and tables (issue 17): each provider's high-tier
//! share of offers against the market's, its declines by tier, and its eligibility's
//! narrowing index — the rows of the CSV download.

use provider_hub_market::reports::cherry_picking::{CherryPickingLine, CherryPickingReport};

use super::report_pages::{cells, count, percent, Table};
use crate::chart::{self, BarChart, Labels};
use crate::page;

fn s(text: &str) -> String {
    text.to_owned()
}

/// The provider and category of a row, as its header cells.
fn who(l: &CherryPickingLine) -> [String; 2] {
    [l.provider_name.clone(), page::words(l.category.as_str())]
}

/// The most rows the chart draws; the tables have every row.
const CHART_ROWS: usize = 30;

pub(super) fn cherry_picking(
    chart_out: &mut Option<BarChart>,
    tables: &mut Vec<Table>,
    r: &CherryPickingReport,
) {
    let pct = |rate: Option<f64>| rate.map(|r| (r * 100.0).round() as i64);
    let bars: Vec<(String, Vec<Option<i64>>)> = r
        .rows
        .iter()
        .filter(|l| l.offers_made > 0)
        .take(CHART_ROWS)
        .map(|l| {
            (
                format!(
                    "{} ({})",
                    l.provider_name,
                    page::words(l.category.as_str()).to_lowercase()
                ),
                vec![pct(l.high_tier_share), pct(l.market_high_tier_share)],
            )
        })
        .collect();
    if !bars.is_empty() {
        *chart_out = Some(chart::bars(
            Labels {
                id: "chart-cherry-picking",
                title: "Share of offers for people in risk tier 3 or 4, against the market's",
                description: "Rounded to whole percentages; the same figures, to two decimal places, are in the tables below the chart.",
                value_axis: "Per cent",
                label_axis: "Provider and category",
            },
            &["The provider's offers", "The market's offers"],
            &bars,
            |v| format!("{v}%"),
        ));
    }
    tables.push(Table {
        caption: "High-tier share of offers".into(),
        head: cells(
            &[s("Provider"), s("Category")],
            &[
                s("Offers made"),
                s("For tier 3 or 4"),
                s("Share"),
                s("Market's share"),
                s("Far below the market"),
            ],
        ),
        rows: r
            .rows
            .iter()
            .map(|l| {
                cells(
                    &who(l),
                    &[
                        l.offers_made.to_string(),
                        l.high_tier_offers.to_string(),
                        percent(l.high_tier_share),
                        percent(l.market_high_tier_share),
                        if l.flagged { s("Yes") } else { s("No") },
                    ],
                )
            })
            .collect(),
        totals: None,
        left_out: 0,
    });
    let tier_head: Vec<String> = (1..=4)
        .flat_map(|t| {
            [
                format!("Tier {t} declined of offers"),
                format!("Tier {t} rate (market)"),
            ]
        })
        .collect();
    tables.push(Table {
        caption: "Declines by risk tier".into(),
        head: cells(&[s("Provider"), s("Category")], &tier_head),
        rows: r
            .rows
            .iter()
            .map(|l| {
                let figures: Vec<String> = l
                    .declines_by_tier
                    .iter()
                    .flat_map(|t| {
                        [
                            format!("{} of {}", t.declined, t.offers),
                            format!(
                                "{} ({})",
                                percent(t.decline_rate),
                                percent(t.market_decline_rate)
                            ),
                        ]
                    })
                    .collect();
                cells(&who(l), &figures)
            })
            .collect(),
        totals: None,
        left_out: 0,
    });
    tables.push(Table {
        caption: "Eligibility narrowing".into(),
        head: cells(
            &[s("Provider"), s("Category")],
            &[
                s("Orders in the areas served"),
                s("Excluded by its eligibility"),
                s("Share excluded"),
                s("Market's share excluded"),
                s("Narrowing index"),
            ],
        ),
        rows: r
            .rows
            .iter()
            .map(|l| {
                cells(
                    &who(l),
                    &[
                        l.orders_in_areas_served.to_string(),
                        l.excluded_by_eligibility.to_string(),
                        percent(l.excluded_share),
                        percent(l.market_excluded_share),
                        count(l.narrowing_index.map(|i| format!("{i:.2}"))),
                    ],
                )
            })
            .collect(),
        totals: None,
        left_out: 0,
    });
}
