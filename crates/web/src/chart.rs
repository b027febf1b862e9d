//! The geometry of the report pages' charts, drawn as SVG by `templates/chart.html`: a
//! horizontal bar chart (one or two series per row, a scale with round ticks, axis
//! titles, a legend) and a shaded grid (rows × columns, the count printed in each cell,
//! the text colour chosen for contrast on its shade). Scales, positions and colours are
//! worked out here, once; the pages give labels and numbers, the templates draw.

/// Where the plot starts: room for the row labels on the left.
const LABEL_WIDTH: u32 = 250;
/// The plot's width.
const PLOT_WIDTH: u32 = 480;
/// Room right of the plot for the value printed after the longest bar.
const VALUE_ROOM: u32 = 110;
const BAR_HEIGHT: u32 = 18;
const ROW_GAP: u32 = 14;
/// Room above the plot for the legend.
const TOP: u32 = 34;
/// Room below the plot for the ticks and the axis title.
const BOTTOM: u32 = 56;

/// Text on the charts: the Design System's black and white.
pub const BLACK: &str = "#0b0c0c";
pub const WHITE: &str = "#ffffff";

/// The series' colours (Design System blue and orange; distinct for colour blindness
/// too, and never the only cue: each bar has its value printed beside it).
const SERIES: [&str; 2] = ["#1d70b8", "#f47738"];

/// One series of a bar chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    /// The legend's swatch.
    pub x: u32,
    pub text_x: u32,
}

/// A bar, with its value printed after it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub colour: &'static str,
    pub value: String,
    pub text_x: u32,
    pub text_y: u32,
}

/// A row of bars and its label.
#[derive(Debug, Clone)]
pub struct BarRow {
    pub label: String,
    pub label_y: u32,
    pub bars: Vec<Bar>,
}

/// A tick of the value axis: a gridline and its label.
#[derive(Debug, Clone)]
pub struct Tick {
    pub x: u32,
    pub label: String,
}

/// A horizontal bar chart, ready to draw.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// The id the SVG's title and description take (`{id}-title`, `{id}-desc`).
    pub id: String,
    pub title: String,
    /// Says where the same figures are as a table.
    pub description: String,
    pub value_axis: String,
    pub label_axis: String,
    pub width: u32,
    pub height: u32,
    pub plot_left: u32,
    pub plot_right: u32,
    pub plot_top: u32,
    pub plot_bottom: u32,
    pub series: Vec<Series>,
    pub rows: Vec<BarRow>,
    pub ticks: Vec<Tick>,
    pub tick_label_y: u32,
    pub axis_title_x: u32,
    pub axis_title_y: u32,
}

/// The labels of a chart.
pub struct Labels<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// What the bars measure (the horizontal axis).
    pub value_axis: &'a str,
    /// What the rows are (the vertical axis).
    pub label_axis: &'a str,
}

/// A round step for about `ticks` intervals up to `max`: 1, 2 or 5 times a power of ten.
pub fn nice_step(max: i64, ticks: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let rough = (max + ticks - 1) / ticks.max(1);
    let mut power = 1i64;
    while power.saturating_mul(10) <= rough {
        power *= 10;
    }
    for m in [1, 2, 5, 10] {
        if power.saturating_mul(m) >= rough {
            return power.saturating_mul(m);
        }
    }
    power.saturating_mul(10)
}

/// The scale's top: the first multiple of the step at or above `max`, at least one step.
fn scale_top(max: i64, step: i64) -> i64 {
    let steps = ((max.max(0) + step - 1) / step).max(1);
    steps * step
}

/// A value's length on a plot `width` long that ends at `top`.
fn length(value: i64, top: i64, width: u32) -> u32 {
    if top <= 0 || value <= 0 {
        return 0;
    }
    let len = (value as i128 * i128::from(width) / top as i128) as u32;
    len.min(width)
}

/// The longest row label that fits left of the plot; longer ones end in `…` (the table
/// beside the chart has them in full).
const LABEL_CHARS: usize = 32;

fn fit(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// A bar chart of `rows` (a label and one value per series, `None` where there is no
/// figure: no bar, and `No data` printed), values printed by `show`.
pub fn bars(
    labels: Labels<'_>,
    series: &[&str],
    rows: &[(String, Vec<Option<i64>>)],
    show: impl Fn(i64) -> String,
) -> BarChart {
    let n = series.len().clamp(1, SERIES.len()) as u32;
    let max = rows
        .iter()
        .flat_map(|(_, values)| values.iter().flatten().copied())
        .max()
        .unwrap_or(0);
    let step = nice_step(max, 5);
    let top = scale_top(max, step);
    let row_height = n * BAR_HEIGHT + ROW_GAP;
    let plot_left = LABEL_WIDTH;
    let plot_right = LABEL_WIDTH + PLOT_WIDTH;
    let plot_top = TOP;
    let plot_bottom = TOP + row_height * rows.len().max(1) as u32;
    let chart_rows = rows
        .iter()
        .enumerate()
        .map(|(i, (label, values))| {
            let y0 = plot_top + i as u32 * row_height + ROW_GAP / 2;
            BarRow {
                label: fit(label),
                label_y: y0 + n * BAR_HEIGHT / 2 + 5,
                bars: values
                    .iter()
                    .take(n as usize)
                    .enumerate()
                    .map(|(s, &v)| {
                        let width = v.map_or(0, |v| length(v, top, PLOT_WIDTH));
                        let y = y0 + s as u32 * BAR_HEIGHT;
                        Bar {
                            x: plot_left,
                            y,
                            width,
                            height: BAR_HEIGHT - 2,
                            colour: SERIES[s],
                            value: v.map_or_else(|| "No data".to_owned(), &show),
                            text_x: plot_left + width + 6,
                            text_y: y + BAR_HEIGHT - 5,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let ticks = (0..=top / step)
        .map(|k| Tick {
            x: plot_left + length(k * step, top, PLOT_WIDTH),
            label: show(k * step),
        })
        .collect();
    let series = series
        .iter()
        .take(n as usize)
        .enumerate()
        .map(|(s, name)| Series {
            name: (*name).to_owned(),
            colour: SERIES[s],
            x: plot_left + s as u32 * 200,
            text_x: plot_left + s as u32 * 200 + 20,
        })
        .collect();
    BarChart {
        id: labels.id.to_owned(),
        title: labels.title.to_owned(),
        description: labels.description.to_owned(),
        value_axis: labels.value_axis.to_owned(),
        label_axis: labels.label_axis.to_owned(),
        width: plot_right + VALUE_ROOM,
        height: plot_bottom + BOTTOM,
        plot_left,
        plot_right,
        plot_top,
        plot_bottom,
        series,
        rows: chart_rows,
        ticks,
        tick_label_y: plot_bottom + 18,
        axis_title_x: plot_left + PLOT_WIDTH / 2,
        axis_title_y: plot_bottom + 44,
    }
}

// ---------------------------------------------------------------------------------------
// The shaded grid

const CELL_WIDTH: u32 = 60;
const CELL_HEIGHT: u32 = 32;
const GRID_LEFT: u32 = 250;
/// An average character's width at the charts' 14px, for the room a label takes.
const CHAR_WIDTH: u32 = 7;

/// The grid's shades, lightest first; the count is printed on each in `text_on(shade)`.
pub const SHADES: [&str; 5] = ["#f3f2f1", "#d2e2f1", "#8eb8dc", "#1d70b8", "#003078"];

/// An sRGB colour's relative luminance (WCAG 2.2).
pub fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let v = u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0);
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/// The contrast ratio of two colours (WCAG 2.2), 1 to 21.
pub fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Black or white, whichever reads better on `shade`.
pub fn text_on(shade: &str) -> &'static str {
    if contrast(BLACK, shade) >= contrast(WHITE, shade) {
        BLACK
    } else {
        WHITE
    }
}

/// The shade of `count` on a scale up to `max`: the lightest for none, then four steps.
pub fn shade_index(count: i64, max: i64) -> usize {
    if count <= 0 || max <= 0 {
        return 0;
    }
    let steps = (SHADES.len() - 1) as i64;
    let step = ((count * steps + max - 1) / max).clamp(1, steps);
    step as usize
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub x: u32,
    pub y: u32,
    pub count: i64,
    pub fill: &'static str,
    pub text: &'static str,
    pub text_x: u32,
    pub text_y: u32,
}

#[derive(Debug, Clone)]
pub struct GridRow {
    pub label: String,
    pub label_y: u32,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone)]
pub struct GridColumn {
    pub label: String,
    /// Where the label starts; it runs up and to the right at 45°.
    pub x: u32,
    pub y: u32,
}

/// A legend entry: a shade and the counts it stands for.
#[derive(Debug, Clone)]
pub struct Key {
    pub fill: &'static str,
    pub x: u32,
    pub text_x: u32,
    pub label: String,
}

/// A grid of counts, each cell shaded by its count and the count printed in it.
#[derive(Debug, Clone)]
pub struct Grid {
    pub id: String,
    pub title: String,
    pub description: String,
    pub row_axis: String,
    pub column_axis: String,
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub top: u32,
    pub cell_width: u32,
    pub cell_height: u32,
    pub columns: Vec<GridColumn>,
    pub rows: Vec<GridRow>,
    pub keys: Vec<Key>,
    pub key_y: u32,
}

/// The counts in ranges per shade: `None` for a shade no count up to `max` takes.
fn shade_ranges(max: i64) -> Vec<(usize, String)> {
    let mut ranges = vec![(0, "0".to_owned())];
    let mut first = 1;
    for shade in 1..SHADES.len() {
        let mut last = first - 1;
        while last < max && shade_index(last + 1, max) == shade {
            last += 1;
        }
        if last >= first {
            let label = if last == first {
                first.to_string()
            } else {
                format!("{first}–{last}")
            };
            ranges.push((shade, label));
            first = last + 1;
        }
    }
    ranges
}

/// A grid of `counts[row][column]`.
pub fn grid(
    labels: Labels<'_>,
    row_labels: &[String],
    column_labels: &[String],
    counts: &[Vec<i64>],
) -> Grid {
    let max = counts.iter().flatten().copied().max().unwrap_or(0);
    // Room above the cells for the column labels, drawn at 45° (their length × sin 45°).
    let longest = column_labels
        .iter()
        .map(|l| l.chars().count() as u32)
        .max()
        .unwrap_or(0);
    let grid_top = 24 + (longest * CHAR_WIDTH * 71 / 100).max(40);
    let columns = column_labels
        .iter()
        .enumerate()
        .map(|(c, label)| GridColumn {
            label: label.clone(),
            x: GRID_LEFT + c as u32 * CELL_WIDTH + CELL_WIDTH / 2,
            y: grid_top - 8,
        })
        .collect();
    let rows: Vec<GridRow> = row_labels
        .iter()
        .enumerate()
        .map(|(r, label)| {
            let y = grid_top + r as u32 * CELL_HEIGHT;
            GridRow {
                label: fit(label),
                label_y: y + CELL_HEIGHT / 2 + 5,
                cells: (0..column_labels.len())
                    .map(|c| {
                        let count = counts
                            .get(r)
                            .and_then(|row| row.get(c))
                            .copied()
                            .unwrap_or(0);
                        let fill = SHADES[shade_index(count, max)];
                        let x = GRID_LEFT + c as u32 * CELL_WIDTH;
                        Cell {
                            x,
                            y,
                            count,
                            fill,
                            text: text_on(fill),
                            text_x: x + CELL_WIDTH / 2,
                            text_y: y + CELL_HEIGHT / 2 + 6,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let bottom = grid_top + CELL_HEIGHT * row_labels.len() as u32;
    let keys = shade_ranges(max)
        .into_iter()
        .enumerate()
        .map(|(i, (shade, label))| Key {
            fill: SHADES[shade],
            x: GRID_LEFT + i as u32 * 104,
            text_x: GRID_LEFT + i as u32 * 104 + 24,
            label,
        })
        .collect();
    Grid {
        id: labels.id.to_owned(),
        title: labels.title.to_owned(),
        description: labels.description.to_owned(),
        row_axis: labels.label_axis.to_owned(),
        column_axis: labels.value_axis.to_owned(),
        // The last column's label runs past the last cell.
        width: (GRID_LEFT + CELL_WIDTH * column_labels.len() as u32 + 160).max(GRID_LEFT + 520),
        height: bottom + 60,
        left: GRID_LEFT,
        top: grid_top,
        cell_width: CELL_WIDTH,
        cell_height: CELL_HEIGHT,
        columns,
        rows,
        keys,
        key_y: bottom + 24,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels<'static> {
        Labels {
            id: "c",
            title: "T",
            description: "D",
            value_axis: "V",
            label_axis: "L",
        }
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0, 5), 1);
        assert_eq!(nice_step(7, 5), 2);
        assert_eq!(nice_step(100, 5), 20);
        assert_eq!(nice_step(101, 5), 50);
        assert_eq!(nice_step(2_340_000, 5), 500_000);
        assert_eq!(scale_top(2_340_000, 500_000), 2_500_000);
        assert_eq!(scale_top(0, 1), 1);
    }

    #[test]
    fn bars_are_as_long_as_their_values_on_the_scale() {
        let rows = vec![
            ("SY-SHF".to_owned(), vec![Some(100), Some(40)]),
            ("SY-BAR".to_owned(), vec![Some(50), None]),
        ];
        let chart = bars(labels(), &["Committed", "Paid"], &rows, |v| v.to_string());
        // 100 on a scale of 0–100 in steps of 20: the longest bar fills the plot.
        assert_eq!(chart.ticks.len(), 6);
        assert_eq!(chart.ticks.last().map(|t| t.label.as_str()), Some("100"));
        let first = &chart.rows[0].bars;
        assert_eq!(first[0].width, PLOT_WIDTH);
        assert_eq!(first[1].width, PLOT_WIDTH * 40 / 100);
        assert_eq!(chart.rows[1].bars[0].width, PLOT_WIDTH / 2);
        assert_eq!(chart.rows[1].bars[1].width, 0);
        // Bars never overlap: the second series sits under the first, rows under rows.
        assert!(first[1].y >= first[0].y + first[0].height);
        assert!(chart.rows[1].bars[0].y > first[1].y + first[1].height);
        assert!(chart.height > chart.rows[1].bars[1].y + BAR_HEIGHT);
        assert_eq!(first[1].value, "40");
        assert_eq!(chart.rows[1].bars[1].value, "No data");
        let long = "Dearne & Rother Community Payback Service".to_owned();
        let chart = bars(labels(), &["Orders"], &[(long, vec![Some(1)])], |v| {
            v.to_string()
        });
        assert_eq!(chart.rows[0].label, "Dearne & Rother Community Payba…");
    }

    #[test]
    fn an_empty_chart_has_a_scale() {
        let chart = bars(labels(), &["Orders"], &[], |v| v.to_string());
        assert!(chart.rows.is_empty());
        assert_eq!(chart.ticks.len(), 2);
    }

    #[test]
    fn every_shade_reads_with_its_text_at_four_and_a_half_to_one() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 0.01);
        assert!((contrast(BLACK, WHITE) - 19.5).abs() < 0.1);
        for shade in SHADES {
            let ratio = contrast(text_on(shade), shade);
            assert!(ratio >= 4.5, "{shade}: {ratio}");
        }
        // Shades darken as counts grow.
        for pair in SHADES.windows(2) {
            assert!(luminance(pair[0]) > luminance(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn counts_take_darker_shades_and_none_the_lightest() {
        assert_eq!(shade_index(0, 10), 0);
        assert_eq!(shade_index(1, 10), 1);
        assert_eq!(shade_index(10, 10), 4);
        assert_eq!(shade_index(6, 10), 3);
        let g = grid(
            labels(),
            &["Unpaid work".into(), "Accommodation".into()],
            &["SY-SHF".into(), "SY-BAR".into()],
            &[vec![0, 3], vec![12, 1]],
        );
        assert_eq!(g.rows[0].cells[0].fill, SHADES[0]);
        assert_eq!(g.rows[1].cells[0].fill, SHADES[4]);
        assert_eq!(g.rows[1].cells[0].count, 12);
        assert_eq!(g.rows[1].cells[0].text, WHITE);
        assert_eq!(g.rows[0].cells[0].text, BLACK);
        // The key covers every count once, in order.
        let key: Vec<&str> = g.keys.iter().map(|k| k.label.as_str()).collect();
        assert_eq!(key, ["0", "1–3", "4–6", "7–9", "10–12"]);
        // The column labels, at 45°, fit above the first row.
        assert!(g.top >= 24 + 6 * CHAR_WIDTH * 71 / 100, "{}", g.top);
        assert_eq!(g.rows[0].cells[0].y, g.top);
    }
}
