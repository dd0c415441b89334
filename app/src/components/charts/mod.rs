//! Charts drawn as inline SVG: a GitHub-style year heatmap and a vertical bar chart.
//!
//! No chart library and no `style` attributes (the CSP forbids inline styles): geometry is
//! computed here in plain, tested functions; colours and text sizes come from CSS classes
//! (`.chart`, `.hm-*`, `.bar*`, `.axis*`, `.gridline` in `style/main.css`). Each chart scales
//! with its container through a `viewBox` and carries a text alternative for screen readers.
//!
//! Element ids are derived from the chart's label or given `id` (not a counter), so server and
//! browser agree during hydration; give two charts on one page different ids (a label without
//! ASCII letters, e.g. a Chinese one, gives no usable id of its own).
//!
//! Words, dates and month and weekday names are in the current language (`crate::i18n`).
//! Every label is placed by the geometry functions so that it stays inside the `viewBox`
//! (`labels`: estimated widths, rotated bounds); their tests check that it does.

mod labels;

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use leptos::prelude::*;

pub use self::labels::{Anchor, Bounds, Placed, shorten, text_width};
use crate::i18n::{DateStyle, Plural, fill, lang, t};

pub use crate::diary::{Bar, DayValue};

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// A number for display: no decimals when integral, otherwise at most two.
pub fn format_number(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return "0".to_owned();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A lowercase ASCII slug for element ids: "Focus minutes" → "focus-minutes".
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "chart".to_owned()
    } else {
        out
    }
}

/// Coordinates are multiples of whole or half units; print them compactly.
fn coord(v: f64) -> String {
    format_number((v * 100.0).round() / 100.0)
}

fn long_date(day: NaiveDate) -> String {
    crate::i18n::date(&day, DateStyle::Medium)
}

/// A chart value with its unit: "25 min", "1 check-in", "22.5 min".
fn amount(unit: Plural, v: f64) -> String {
    fill(unit.form(v), &[("n", &format_number(v))])
}

// ---------------------------------------------------------------------------------------------
// Heatmap geometry
// ---------------------------------------------------------------------------------------------

/// Side of a heatmap cell and the distance between cell origins, in viewBox units.
const HM_CELL: f64 = 10.0;
const HM_STEP: f64 = 12.0;
/// Room for the Mon/Wed/Fri labels on the left and the month labels on top.
const HM_LEFT: f64 = 28.0;
const HM_TOP: f64 = 16.0;
/// Room below the grid for the Less…More legend.
const HM_LEGEND: f64 = 22.0;
const HM_MIN_WIDTH: f64 = 150.0;
/// More weeks than this are not drawn (bounds the work for a bad `weeks`).
const HM_MAX_WEEKS: u32 = 260;

/// One drawn day of the heatmap.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub day: NaiveDate,
    pub value: u32,
    /// Column, 0 = oldest week.
    pub week: u32,
    /// Row, 0 = Monday … 6 = Sunday.
    pub weekday: u32,
    /// 0 (no value) … 4 (top quarter of the non-zero values).
    pub level: u8,
}

/// The Monday of the first drawn week.
fn heatmap_start(end: NaiveDate, weeks: u32) -> NaiveDate {
    let weeks = weeks.clamp(1, HM_MAX_WEEKS);
    let back = u64::from(end.weekday().num_days_from_monday()) + 7 * u64::from(weeks - 1);
    end.checked_sub_days(Days::new(back))
        .unwrap_or(NaiveDate::MIN)
}

/// Level thresholds from the non-zero values: `t[k]` is the smallest value whose share of
/// values at or below it exceeds `(k + 1) / 4`. Empty input gives `[1, 1, 1]`.
pub fn thresholds(values: &[u32]) -> [u32; 3] {
    let mut nonzero: Vec<u32> = values.iter().copied().filter(|&v| v > 0).collect();
    if nonzero.is_empty() {
        return [1; 3];
    }
    nonzero.sort_unstable();
    let n = nonzero.len();
    [1, 2, 3].map(|k| nonzero[k * n / 4])
}

/// 0 for no value; otherwise 1 + the number of thresholds reached, so values split into
/// quarters by rank (ties share a level; the highest value is always level 4).
pub fn level(value: u32, thresholds: &[u32; 3]) -> u8 {
    if value == 0 {
        return 0;
    }
    1 + thresholds.iter().filter(|&&t| value >= t).count() as u8
}

/// The cells to draw: every day from the Monday `weeks - 1` weeks before `end`'s week up to
/// and including `end` (later days are not drawn). Values for the same day are added up;
/// values outside the range are ignored.
pub fn heatmap_cells(values: &[DayValue], end: NaiveDate, weeks: u32) -> Vec<Cell> {
    let start = heatmap_start(end, weeks);
    let mut by_day: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for v in values.iter().filter(|v| v.day >= start && v.day <= end) {
        let total = by_day.entry(v.day).or_insert(0);
        *total = total.saturating_add(v.value);
    }
    let in_range: Vec<u32> = by_day.values().copied().collect();
    let t = thresholds(&in_range);

    start
        .iter_days()
        .take_while(|d| *d <= end)
        .enumerate()
        .map(|(i, day)| {
            let value = by_day.get(&day).copied().unwrap_or(0);
            let i = i as u32;
            Cell {
                day,
                value,
                week: i / 7,
                weekday: i % 7,
                level: level(value, &t),
            }
        })
        .collect()
}

/// Month labels as (column, short name in the current language): at the column holding the
/// 1st of each month, plus the first column's month when there is room before the next label.
pub fn month_labels(end: NaiveDate, weeks: u32) -> Vec<(u32, &'static str)> {
    let months = &t().diary.months;
    let weeks = weeks.clamp(1, HM_MAX_WEEKS);
    let start = heatmap_start(end, weeks);
    let mut labels: Vec<(u32, &'static str)> = Vec::new();
    for col in 0..weeks {
        let first = start.checked_add_days(Days::new(7 * u64::from(col)));
        let Some(first) = first else { break };
        let first_of_month = first
            .iter_days()
            .take(7)
            .take_while(|d| *d <= end)
            .find(|d| d.day() == 1);
        if let Some(d) = first_of_month {
            labels.push((col, months[d.month0() as usize]));
        }
    }
    if labels.first().is_none_or(|&(col, _)| col >= 3) {
        labels.insert(0, (0, months[start.month0() as usize]));
    }
    labels
}

/// Totals behind the heatmap's text alternative.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapStats {
    pub active_days: u64,
    pub total: u64,
    /// The earliest day with the highest value.
    pub busiest: Option<(NaiveDate, u32)>,
}

pub fn heatmap_stats(cells: &[Cell]) -> HeatmapStats {
    let mut stats = HeatmapStats {
        active_days: 0,
        total: 0,
        busiest: None,
    };
    for c in cells.iter().filter(|c| c.value > 0) {
        stats.active_days += 1;
        stats.total += u64::from(c.value);
        if stats.busiest.is_none_or(|(_, max)| c.value > max) {
            stats.busiest = Some((c.day, c.value));
        }
    }
    stats
}

/// "{label}: {active} active days in the last {weeks} weeks, {total} in total; busiest day
/// {date} with {max}." (in the current language; `unit` counts the values: "45 min")
pub fn heatmap_summary(cells: &[Cell], weeks: u32, label: &str, unit: Plural) -> String {
    let tx = &t().diary;
    let stats = heatmap_stats(cells);
    let period = tx.week_count.count(weeks.clamp(1, HM_MAX_WEEKS));
    match stats.busiest {
        None => fill(
            tx.chart_summary_empty,
            &[("label", &label), ("period", &period)],
        ),
        Some((day, max)) => fill(
            tx.chart_summary,
            &[
                ("label", &label),
                ("active", &tx.chart_active.count(stats.active_days)),
                ("period", &period),
                ("total", &unit.count(stats.total)),
                ("date", &long_date(day)),
                ("max", &unit.count(max)),
            ],
        ),
    }
}

const HM_HEIGHT: f64 = HM_TOP + 7.0 * HM_STEP + HM_LEGEND;
/// Baseline of the month names, above the grid.
const HM_MONTH_Y: f64 = 10.0;

/// Where the heatmap's texts go: the viewBox width (the grid's, or wider when a month
/// starts in one of the last columns and its name needs the room), the month names, the
/// Mon/Wed/Fri labels, the legend's ends and the x of its first swatch.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapLayout {
    pub width: f64,
    pub months: Vec<Placed>,
    pub days: Vec<Placed>,
    pub less: Placed,
    pub more: Placed,
    pub legend_cells_x: f64,
}

impl HeatmapLayout {
    /// Every text of the chart.
    pub fn texts(&self) -> impl Iterator<Item = &Placed> {
        self.months
            .iter()
            .chain(&self.days)
            .chain([&self.less, &self.more])
    }
}

/// Baseline of the legend's texts (its swatches sit at `HM_LEGEND_Y`).
const HM_LEGEND_Y: f64 = HM_TOP + 7.0 * HM_STEP + 6.0;

pub fn heatmap_layout(end: NaiveDate, weeks: u32) -> HeatmapLayout {
    let weeks = weeks.clamp(1, HM_MAX_WEEKS);
    let tx = &t().diary;
    let months: Vec<Placed> = month_labels(end, weeks)
        .into_iter()
        .map(|(col, name)| Placed {
            text: name.to_owned(),
            x: HM_LEFT + f64::from(col) * HM_STEP,
            y: HM_MONTH_Y,
            anchor: Anchor::Start,
            rotate: 0.0,
        })
        .collect();
    // A month starting in the last columns writes its name past the grid: widen to fit
    // it, rather than let the scroll box cut it to "De".
    let grid = HM_LEFT + f64::from(weeks) * HM_STEP;
    let width = months
        .iter()
        .map(|m| m.bounds().right + 1.0)
        .fold(grid, f64::max)
        .max(HM_MIN_WIDTH)
        .ceil();
    let days = [
        (0.0, Weekday::Mon),
        (2.0, Weekday::Wed),
        (4.0, Weekday::Fri),
    ]
    .into_iter()
    .map(|(row, day)| Placed {
        text: crate::i18n::weekday(lang(), day, true),
        x: HM_LEFT - 4.0,
        y: HM_TOP + row * HM_STEP + 8.5,
        anchor: Anchor::End,
        rotate: 0.0,
    })
    .collect();
    let legend_text = |text: &str, x: f64| Placed {
        text: text.to_owned(),
        x,
        y: HM_LEGEND_Y + 8.5,
        anchor: Anchor::End,
        rotate: 0.0,
    };
    let more = legend_text(tx.chart_more, width - 2.0);
    let legend_cells_x = more.x - text_width(&more.text) - 4.0 - (4.0 * HM_STEP + HM_CELL);
    let less = legend_text(tx.chart_less, legend_cells_x - 4.0);
    HeatmapLayout {
        width,
        months,
        days,
        less,
        more,
        legend_cells_x,
    }
}

/// A chart text as SVG.
fn text_view(p: Placed, class: &'static str) -> impl IntoView {
    let transform = p.transform();
    view! {
        <text class=class x=coord(p.x) y=coord(p.y) text-anchor=p.anchor.as_str() transform=transform>
            {p.text}
        </text>
    }
}

/// GitHub-style year heatmap: one column per ISO week (Monday at the top), ending with the
/// week of `end`, `weeks` columns (e.g. 53). Each cell has a `<title>` such as
/// "Mon 23 Nov 2026: 45 min" (`unit` counts the values), `data-day`/`data-value`
/// attributes and a class `hm-cell hm-l0`…`hm-l4` by quartile of the non-zero values. Days
/// after `end` are not drawn. The SVG is labelled by a visually hidden summary sentence, whose
/// element id comes from `id` if given, else from `label`.
#[component]
pub fn Heatmap(
    #[prop(into)] values: Signal<Vec<DayValue>>,
    #[prop(into)] end: Signal<NaiveDate>,
    weeks: u32,
    label: &'static str,
    unit: Plural,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    let tx = &t().diary;
    let summary_id = format!("{}-heatmap-summary", slug(id.unwrap_or(label)));
    let layout = Memo::new(move |_| heatmap_layout(end.get(), weeks));
    let view_box = move || layout.with(|l| format!("0 0 {} {}", coord(l.width), coord(HM_HEIGHT)));

    let cells = move || {
        let end = end.get();
        values.with(|v| heatmap_cells(v, end, weeks))
    };

    view! {
        <div class="heatmap">
            <p id=summary_id.clone() class="visually-hidden" aria-hidden="true">
                {move || heatmap_summary(&cells(), weeks, label, unit)}
            </p>
            // Wider than a phone: scrollable, so reachable and scrollable by keyboard too.
            <div class="chart-scroll" tabindex="0" role="group" aria-label=label>
                <svg class="chart chart-heatmap" viewBox=view_box role="img" aria-labelledby=summary_id>
                    <g class="hm-months">
                        {move || layout.get().months.into_iter().map(|m| text_view(m, "axis-label hm-month")).collect_view()}
                    </g>
                    <g class="hm-days">
                        {move || layout.get().days.into_iter().map(|d| text_view(d, "axis-label hm-day")).collect_view()}
                    </g>
                    <g class="hm-grid">
                        {move || {
                            cells()
                                .into_iter()
                                .map(|c| {
                                    let title = fill(
                                        tx.chart_cell,
                                        &[("date", &long_date(c.day)), ("value", &unit.count(c.value))],
                                    );
                                    view! {
                                        <rect
                                            class=format!("hm-cell hm-l{}", c.level)
                                            x=coord(HM_LEFT + f64::from(c.week) * HM_STEP)
                                            y=coord(HM_TOP + f64::from(c.weekday) * HM_STEP)
                                            width=coord(HM_CELL)
                                            height=coord(HM_CELL)
                                            rx="2"
                                            data-day=c.day.to_string()
                                            data-value=c.value.to_string()
                                        >
                                            <title>{title}</title>
                                        </rect>
                                    }
                                })
                                .collect_view()
                        }}
                    </g>
                    <g class="hm-legend">
                        {move || {
                            let l = layout.get();
                            let swatches = (0..5u8)
                                .map(|level| {
                                    view! {
                                        <rect
                                            class=format!("hm-cell hm-l{level}")
                                            x=coord(l.legend_cells_x + f64::from(level) * HM_STEP)
                                            y=coord(HM_LEGEND_Y)
                                            width=coord(HM_CELL)
                                            height=coord(HM_CELL)
                                            rx="2"
                                        />
                                    }
                                })
                                .collect_view();
                            view! { {text_view(l.less, "axis-label")} {swatches} {text_view(l.more, "axis-label")} }
                        }}
                    </g>
                </svg>
            </div>
        </div>
    }
}

// ---------------------------------------------------------------------------------------------
// Bar chart geometry
// ---------------------------------------------------------------------------------------------

const BC_MIN_WIDTH: f64 = 320.0;
/// The plot area's height, between the top margin (room for the tallest bar's value) and
/// the baseline; the room below it depends on the category labels.
const BC_PLOT_HEIGHT: f64 = 136.0;
const BC_TOP: f64 = 18.0;
const BC_BASELINE: f64 = BC_TOP + BC_PLOT_HEIGHT;
/// The least room left of the plot (for the y axis's numbers).
const BC_MIN_LEFT: f64 = 36.0;
const BC_RIGHT: f64 = 8.0;
/// The least room below the baseline (one level line of labels).
const BC_MIN_BOTTOM: f64 = 26.0;
/// Narrowest slot per bar; more bars make the chart wider (it then scales down).
const BC_MIN_SLOT: f64 = 28.0;
const BC_MAX_BAR: f64 = 48.0;
/// Category labels longer than this are shortened with "…" (the tooltip and the table keep
/// them whole); dates and months are never this long.
const BC_MAX_LABEL_CHARS: usize = 16;
/// Category labels wider than their slot are turned this far (degrees, anticlockwise) and
/// hang from their bar's foot.
const BC_LABEL_TURN: f64 = -45.0;
/// Between the baseline and the top of a category label.
const BC_LABEL_GAP: f64 = 4.0;

/// A "nice" top for the y axis, at least `max` and split evenly by three gridlines
/// (e.g. 45 → 45 with lines at 15/30/45, 100 → 120). Data of 1 or more gets whole-number
/// gridlines. Zero, negative or non-finite input gives 3.
pub fn nice_max(max: f64) -> f64 {
    if !max.is_finite() || max <= 0.0 {
        return 3.0;
    }
    let raw_step = max / 3.0;
    let mut mag = 10f64.powf(raw_step.log10().floor());
    loop {
        for m in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
            let step = m * mag;
            if max >= 1.0 && step.fract() != 0.0 {
                continue;
            }
            if step * 3.0 >= max * (1.0 - 1e-12) {
                return step * 3.0;
            }
        }
        mag *= 10.0;
    }
}

/// One bar's place in the chart, in viewBox units.
#[derive(Clone, Debug, PartialEq)]
pub struct BarGeom {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Horizontal centre of the bar and its labels.
    pub center: f64,
    /// The category label as drawn (shortened with "…" past `BC_MAX_LABEL_CHARS`; turned
    /// when the labels are wider than a bar's slot).
    pub label: Placed,
    /// The value above the bar.
    pub value: Placed,
}

/// The bar chart's layout: its viewBox size, the plot's left edge, the y axis's top value
/// and numbers, and one geometry per bar.
#[derive(Clone, Debug, PartialEq)]
pub struct BarLayout {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    /// Each bar's share of the plot's width.
    pub slot: f64,
    pub y_max: f64,
    /// The y axis's numbers at 0 and at the three gridlines, bottom first.
    pub ticks: Vec<Placed>,
    pub bars: Vec<BarGeom>,
    /// Whether the category labels are turned (they did not fit level).
    pub turned: bool,
}

impl BarLayout {
    /// Every text of the chart.
    pub fn texts(&self) -> impl Iterator<Item = &Placed> {
        self.ticks
            .iter()
            .chain(self.bars.iter().flat_map(|b| [&b.label, &b.value]))
    }
}

fn bar_value(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}

/// Where the chart puts its bars and texts. Category labels stay level while the widest
/// fits its bar's slot and are turned otherwise (so "5 Oct" is never cut to "5 O…"); the
/// room left of the plot and below it grows to hold the y axis's numbers and the labels.
pub fn bar_layout(bars: &[Bar]) -> BarLayout {
    let n = bars.len().max(1) as f64;
    let y_max = nice_max(bars.iter().map(|b| bar_value(b.value)).fold(0.0, f64::max));
    let tick_values: Vec<f64> = (0..=3).map(|i| y_max * f64::from(i) / 3.0).collect();
    let axis_width = tick_values
        .iter()
        .map(|v| text_width(&format_number(*v)))
        .fold(0.0, f64::max);
    let labels: Vec<String> = bars
        .iter()
        .map(|b| shorten(&b.label, BC_MAX_LABEL_CHARS))
        .collect();
    let widest = labels.iter().map(|l| text_width(l)).fold(0.0, f64::max);

    let mut left = BC_MIN_LEFT.max(axis_width + 8.0);
    loop {
        let width = (left + BC_RIGHT + n * BC_MIN_SLOT).max(BC_MIN_WIDTH);
        let slot = (width - left - BC_RIGHT) / n;
        let turned = widest > slot - 4.0;
        let label_at = |i: usize, text: &str| {
            let center = left + slot * (i as f64 + 0.5);
            if turned {
                // The label's end sits just right of the bar's centre line, its top
                // corner `BC_LABEL_GAP` below the baseline.
                let drop = labels::FONT * 0.8 * std::f64::consts::FRAC_1_SQRT_2;
                Placed {
                    text: text.to_owned(),
                    x: center + 3.0,
                    y: BC_BASELINE + BC_LABEL_GAP + drop,
                    anchor: Anchor::End,
                    rotate: BC_LABEL_TURN,
                }
            } else {
                Placed {
                    text: text.to_owned(),
                    x: center,
                    y: BC_BASELINE + BC_LABEL_GAP + labels::FONT * 0.8 + 4.0,
                    anchor: Anchor::Middle,
                    rotate: 0.0,
                }
            }
        };
        // A turned first label reaches left of its bar: widen the left margin to hold it.
        let overhang = labels
            .first()
            .map_or(0.0, |l| 1.0 - label_at(0, l).bounds().left);
        if overhang > 0.0 {
            left += overhang.ceil();
            continue;
        }

        let bar_width = (slot * 0.64).min(BC_MAX_BAR);
        let geoms: Vec<BarGeom> = bars
            .iter()
            .zip(&labels)
            .enumerate()
            .map(|(i, (b, label))| {
                let center = left + slot * (i as f64 + 0.5);
                let height = (bar_value(b.value) / y_max * BC_PLOT_HEIGHT).min(BC_PLOT_HEIGHT);
                let y = BC_BASELINE - height;
                let value = format_number(b.value);
                // A number wider than its slot at either end is moved in to stay whole.
                let half = text_width(&value) / 2.0;
                let value_x = center.min(width - half - 1.0).max(half + 1.0);
                BarGeom {
                    x: center - bar_width / 2.0,
                    y,
                    width: bar_width,
                    height,
                    center,
                    label: label_at(i, label),
                    value: Placed {
                        text: value,
                        x: value_x,
                        y: y - 4.0,
                        anchor: Anchor::Middle,
                        rotate: 0.0,
                    },
                }
            })
            .collect();
        let bottom = geoms
            .iter()
            .map(|g| g.label.bounds().bottom + 3.0)
            .fold(BC_BASELINE + BC_MIN_BOTTOM, f64::max);
        let ticks = tick_values
            .iter()
            .enumerate()
            .map(|(i, v)| Placed {
                text: format_number(*v),
                x: left - 4.0,
                y: BC_BASELINE - BC_PLOT_HEIGHT * i as f64 / 3.0 + 3.5,
                anchor: Anchor::End,
                rotate: 0.0,
            })
            .collect();
        return BarLayout {
            width,
            height: bottom.ceil(),
            left,
            slot,
            y_max,
            ticks,
            bars: geoms,
            turned,
        };
    }
}

/// Vertical bar chart with value labels above the bars, category labels below and a y axis
/// with three gridlines, under a visible `title`. The SVG is `role="img"` labelled by `title`;
/// a visually hidden table (caption = `title`) lists every label and value as the text
/// alternative.
#[component]
pub fn BarChart(
    #[prop(into)] bars: Signal<Vec<Bar>>,
    title: &'static str,
    unit: Plural,
) -> impl IntoView {
    let tx = &t().diary;
    let chart = move || {
        bars.with(|bars| {
            let layout = bar_layout(bars);
            let (width, left) = (layout.width, layout.left);
            let view_box = format!("0 0 {} {}", coord(width), coord(layout.height));
            let grid = (1..=3)
                .map(|i| {
                    let y = BC_BASELINE - BC_PLOT_HEIGHT * f64::from(i) / 3.0;
                    view! { <line class="gridline" x1=coord(left) x2=coord(width - BC_RIGHT) y1=coord(y) y2=coord(y) /> }
                })
                .collect_view();
            let ticks = layout
                .ticks
                .iter()
                .map(|p| text_view(p.clone(), "axis-label"))
                .collect_view();
            let drawn = layout
                .bars
                .iter()
                .zip(bars)
                .map(|(g, b)| {
                    let tip = fill(
                        tx.chart_bar,
                        &[("label", &b.label), ("value", &amount(unit, b.value))],
                    );
                    view! {
                        <g class="bar-group">
                            <title>{tip}</title>
                            <rect class="bar" x=coord(g.x) y=coord(g.y) width=coord(g.width) height=coord(g.height) rx="3" />
                            {text_view(g.value.clone(), "bar-value")}
                            {text_view(g.label.clone(), "bar-label")}
                        </g>
                    }
                })
                .collect_view();
            let empty = bars.is_empty().then(|| {
                view! {
                    <text class="chart-empty" x=coord(width / 2.0) y=coord(BC_TOP + BC_PLOT_HEIGHT / 2.0) text-anchor="middle">
                        {tx.chart_no_data}
                    </text>
                }
            });
            let rows = bars
                .iter()
                .map(|b| {
                    view! {
                        <tr>
                            <th scope="row">{b.label.clone()}</th>
                            <td>{amount(unit, b.value)}</td>
                        </tr>
                    }
                })
                .collect_view();
            let no_rows = bars.is_empty().then(|| view! { <tr><td colspan="2">{tx.chart_no_data}</td></tr> });
            view! {
                // Kept legible on a phone: narrower than 24rem it scrolls, newest end first.
                <div class="chart-scroll" tabindex="0" role="group" aria-label=title>
                    <svg class="chart chart-bars" viewBox=view_box role="img" aria-label=title>
                        <g class="grid">{grid}</g>
                        <line class="axis" x1=coord(left) x2=coord(width - BC_RIGHT) y1=coord(BC_BASELINE) y2=coord(BC_BASELINE) />
                        <g class="ticks">{ticks}</g>
                        <g class="bars">{drawn}</g>
                        {empty}
                    </svg>
                </div>
                <table class="visually-hidden">
                    <caption>{title}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{tx.chart_item}</th>
                            <th scope="col">{tx.chart_value}</th>
                        </tr>
                    </thead>
                    <tbody>{rows} {no_rows}</tbody>
                </table>
            }
        })
    };
    // The title is shown for sighted readers; assistive technology gets it from the SVG's
    // label and the table caption instead, so it is not announced three times.
    view! {
        <div class="bar-chart">
            <p class="chart-title" aria-hidden="true">{title}</p>
            {chart}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const MIN: Plural = Plural::one_other("{n} min", "{n} min");

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn format_number_drops_decimals_when_integral() {
        assert_eq!(format_number(45.0), "45");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(1.0 / 3.0), "0.33");
        assert_eq!(format_number(9.999), "10");
        assert_eq!(format_number(0.2 * 3.0), "0.6");
        assert_eq!(format_number(f64::NAN), "0");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Focus minutes"), "focus-minutes");
        assert_eq!(slug("  Diary: words/day!  "), "diary-words-day");
        assert_eq!(slug("日记"), "chart");
    }

    #[test]
    fn thresholds_and_levels_split_by_quartile() {
        let t = thresholds(&[1, 2, 3, 4]);
        assert_eq!(t, [2, 3, 4]);
        assert_eq!([0, 1, 2, 3, 4].map(|v| level(v, &t)), [0, 1, 2, 3, 4]);

        // Zeros are ignored; ties share a level; the top value is always level 4.
        let t = thresholds(&[0, 10, 10, 10, 50, 0]);
        assert_eq!(level(10, &t), 3);
        assert_eq!(level(50, &t), 4);
        let t = thresholds(&[7]);
        assert_eq!(level(7, &t), 4);
        let t = thresholds(&[5, 5, 5]);
        assert_eq!(level(5, &t), 4);
        assert_eq!(thresholds(&[]), [1, 1, 1]);
        assert_eq!(level(0, &thresholds(&[])), 0);

        let values: Vec<u32> = (1..=100).collect();
        let t = thresholds(&values);
        let counts = (1..=4u8)
            .map(|l| values.iter().filter(|&&v| level(v, &t) == l).count())
            .collect::<Vec<_>>();
        assert_eq!(counts, [25, 25, 25, 25]);
    }

    #[test]
    fn cells_cover_whole_weeks_up_to_end() {
        // 2026-11-25 is a Wednesday: the last column has Mon, Tue, Wed.
        let end = d(2026, 11, 25);
        let cells = heatmap_cells(&[], end, 53);
        assert_eq!(cells.len(), 52 * 7 + 3);
        let first = &cells[0];
        assert_eq!(first.day.weekday(), chrono::Weekday::Mon);
        assert_eq!((first.week, first.weekday), (0, 0));
        let last = cells.last().expect("cells");
        assert_eq!(last.day, end);
        assert_eq!((last.week, last.weekday), (52, 2));
        assert!(
            cells
                .iter()
                .all(|c| c.day.weekday().num_days_from_monday() == c.weekday)
        );
        assert!(cells.iter().all(|c| c.level == 0 && c.value == 0));

        // A Sunday end fills the last column; a Monday end draws one cell in it.
        assert_eq!(heatmap_cells(&[], d(2026, 11, 29), 2).len(), 14);
        assert_eq!(heatmap_cells(&[], d(2026, 11, 23), 2).len(), 8);
        assert_eq!(heatmap_cells(&[], d(2026, 11, 23), 0).len(), 1);
    }

    #[test]
    fn cells_sum_values_and_ignore_out_of_range() {
        let end = d(2026, 11, 25);
        let values = vec![
            DayValue {
                day: d(2026, 11, 23),
                value: 30,
            },
            DayValue {
                day: d(2026, 11, 23),
                value: 15,
            },
            DayValue {
                day: d(2026, 11, 24),
                value: 10,
            },
            DayValue {
                day: d(2026, 11, 26),
                value: 999,
            },
            DayValue {
                day: d(2020, 1, 1),
                value: 999,
            },
        ];
        let cells = heatmap_cells(&values, end, 1);
        assert_eq!(cells.len(), 3);
        assert_eq!(cells[0].value, 45);
        assert_eq!(cells[0].level, 4);
        assert_eq!(cells[1].value, 10);
        assert_eq!(cells[1].level, 2);
        assert_eq!(cells[2].level, 0);
    }

    #[test]
    fn month_labels_mark_the_first_of_each_month() {
        let end = d(2026, 11, 25);
        let labels = month_labels(end, 53);
        // 53 weeks back from the week of 23 Nov 2026 starts Mon 24 Nov 2025.
        // 1 Dec 2025 is in column 1, so column 0 gets no label of its own.
        assert_eq!(labels.first(), Some(&(1, "Dec")));
        assert_eq!(labels.len(), 12);
        let nov_2026 = labels.last().expect("labels");
        assert_eq!(nov_2026.1, "Nov");
        // 1 Nov 2026 is a Sunday: in the column of Mon 26 Oct.
        let start = heatmap_start(end, 53);
        assert_eq!(start, d(2025, 11, 24));
        assert_eq!(
            nov_2026.0,
            ((d(2026, 10, 26) - start).num_days() / 7) as u32
        );
        assert!(labels.windows(2).all(|w| w[1].0 >= w[0].0 + 3));

        // Column 0 gets its month when the next month starts 3 or more columns later.
        // 10 weeks up to Sun 8 Mar 2026 start Mon 29 Dec 2025; 1 Jan is in column 0, the
        // Sundays 1 Feb and 1 Mar in columns 4 and 8.
        assert_eq!(
            month_labels(d(2026, 3, 8), 10),
            vec![(0, "Jan"), (4, "Feb"), (8, "Mar")]
        );
        // 3 weeks from Mon 16 Feb 2026: 1 Mar is in column 1, too close for a "Feb" label.
        assert_eq!(month_labels(d(2026, 3, 8), 3), vec![(1, "Mar")]);
        // A single week starting mid-month still gets a label.
        assert_eq!(month_labels(d(2026, 11, 25), 1), vec![(0, "Nov")]);
    }

    #[test]
    fn summary_sentence() {
        let end = d(2026, 11, 25);
        let values = vec![
            DayValue {
                day: d(2026, 11, 23),
                value: 45,
            },
            DayValue {
                day: d(2026, 11, 20),
                value: 45,
            },
            DayValue {
                day: d(2026, 11, 24),
                value: 10,
            },
        ];
        let cells = heatmap_cells(&values, end, 53);
        assert_eq!(
            heatmap_summary(&cells, 53, "Focus", MIN),
            "Focus: 3 active days in the last 53 weeks, 100 min in total; busiest day Fri 20 Nov 2026 with 45 min."
        );
        assert_eq!(
            heatmap_summary(&heatmap_cells(&[], end, 1), 1, "Focus", MIN),
            "Focus: no active days in the last 1 week."
        );
        let one = heatmap_cells(&values[..1], end, 53);
        assert!(heatmap_summary(&one, 53, "Focus", MIN).starts_with("Focus: 1 active day in"));
        let checkins = Plural::one_other("{n} check-in", "{n} check-ins");
        let single = vec![DayValue {
            day: d(2026, 11, 23),
            value: 1,
        }];
        assert_eq!(
            heatmap_summary(&heatmap_cells(&single, end, 53), 53, "Check-ins", checkins),
            "Check-ins: 1 active day in the last 53 weeks, 1 check-in in total; busiest day Mon 23 Nov 2026 with 1 check-in."
        );
    }

    #[test]
    fn nice_max_is_round_and_at_least_max() {
        assert_eq!(nice_max(0.0), 3.0);
        assert_eq!(nice_max(-5.0), 3.0);
        assert_eq!(nice_max(f64::NAN), 3.0);
        assert_eq!(nice_max(1.0), 3.0);
        assert_eq!(nice_max(3.0), 3.0);
        assert_eq!(nice_max(4.0), 6.0);
        assert_eq!(nice_max(45.0), 45.0);
        assert_eq!(nice_max(100.0), 120.0);
        assert_eq!(nice_max(1000.0), 1200.0);
        assert!((nice_max(0.5) - 0.6).abs() < 1e-9);
        for i in 1..5000 {
            let max = f64::from(i) * 0.37;
            let top = nice_max(max);
            assert!(top >= max - 1e-9 && top <= max * 2.5 + 3.0, "{max} → {top}");
            if max >= 1.0 {
                assert_eq!((top / 3.0).fract(), 0.0, "{max} → {top}");
            }
        }
    }

    #[test]
    fn bar_layout_geometry() {
        let bars = vec![
            Bar {
                label: "Mon".into(),
                value: 30.0,
            },
            Bar {
                label: "Tue".into(),
                value: 45.0,
            },
            Bar {
                label: "A very long category name".into(),
                value: -3.0,
            },
        ];
        let layout = bar_layout(&bars);
        assert_eq!(layout.width, BC_MIN_WIDTH);
        assert_eq!(layout.y_max, 45.0);
        let [a, b, c] = &layout.bars[..] else {
            panic!("three bars")
        };
        assert_eq!(b.height, BC_PLOT_HEIGHT);
        assert_eq!(b.y, BC_TOP);
        assert!((a.height - BC_PLOT_HEIGHT * 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(a.y + a.height, BC_BASELINE);
        assert_eq!(c.height, 0.0);
        assert!(a.center < b.center && b.center < c.center);
        assert!(a.x >= layout.left && c.x + c.width <= layout.width - BC_RIGHT);
        assert_eq!(c.label.text, "A very long cat…");
        assert_eq!(a.label.text, "Mon");
        assert!(layout.turned, "the long label does not fit level");
        assert_fits(&layout);

        // Many bars widen the chart instead of squeezing them.
        let many: Vec<Bar> = (0..24)
            .map(|h| Bar {
                label: format!("{h}h"),
                value: 1.0,
            })
            .collect();
        let layout = bar_layout(&many);
        assert!(layout.width >= BC_MIN_LEFT + BC_RIGHT + 24.0 * BC_MIN_SLOT);
        assert!(
            layout
                .bars
                .windows(2)
                .all(|w| w[1].x - w[0].x >= BC_MIN_SLOT - 1e-9)
        );
        assert_eq!(bar_layout(&[]).bars.len(), 0);
        assert_fits(&layout);
        assert_fits(&bar_layout(&[]));
    }

    /// Every text of a bar chart lies inside its viewBox, and its category labels do not
    /// run into each other (level ones side by side; turned ones a text height apart).
    pub(super) fn assert_fits(layout: &BarLayout) {
        for p in layout.texts() {
            assert!(
                p.bounds().inside(layout.width, layout.height),
                "{p:?} ({:?}) is outside 0 0 {} {}",
                p.bounds(),
                layout.width,
                layout.height
            );
        }
        if layout.turned {
            let apart = layout.slot * std::f64::consts::FRAC_1_SQRT_2;
            assert!(apart >= labels::FONT * 1.05, "turned labels {apart} apart");
        } else {
            for w in layout.bars.windows(2) {
                let (a, b) = (w[0].label.bounds(), w[1].label.bounds());
                assert!(
                    !a.overlaps(&b),
                    "{:?} runs into {:?}",
                    w[0].label,
                    w[1].label
                );
            }
        }
    }

    fn bars_of(labels: impl IntoIterator<Item = String>, value: f64) -> Vec<Bar> {
        labels
            .into_iter()
            .map(|label| Bar { label, value })
            .collect()
    }

    #[test]
    fn date_and_month_labels_are_drawn_whole_and_inside_in_both_languages() {
        use crate::i18n::{Lang, date_in};
        let today = d(2026, 11, 30);
        for lang in Lang::ALL {
            let days: Vec<String> = (0..14)
                .rev()
                .map(|i| {
                    date_in(
                        lang,
                        &(today - chrono::Duration::days(i)),
                        DateStyle::DayMonth,
                    )
                })
                .collect();
            let months: Vec<String> = (0..12)
                .rev()
                .map(|i| {
                    let m = today.checked_sub_months(chrono::Months::new(i)).unwrap();
                    date_in(lang, &m, DateStyle::MonthYear)
                })
                .collect();
            let weeks: Vec<String> = (0..12)
                .rev()
                .map(|i| {
                    date_in(
                        lang,
                        &(today - chrono::Duration::weeks(i)),
                        DateStyle::DayMonth,
                    )
                })
                .collect();
            for labels in [days, months, weeks] {
                for value in [0.0, 7.0, 45.0, 1234.0, 123_456_789.0] {
                    let layout = bar_layout(&bars_of(labels.clone(), value));
                    assert_fits(&layout);
                    let drawn: Vec<&str> =
                        layout.bars.iter().map(|b| b.label.text.as_str()).collect();
                    assert_eq!(drawn, labels, "{lang:?}: a date label was shortened");
                }
            }
        }
    }

    #[test]
    fn long_tag_names_are_shortened_on_a_character_boundary_and_stay_inside() {
        let names = [
            "Writing",
            "A tag with a very long name indeed",
            "非常非常非常非常长的中文标签名字还没完",
            "Mix 中文 and English words together",
            "x",
        ]
        .map(String::from);
        for n in 1..=names.len() {
            let layout = bar_layout(&bars_of(names[..n].to_vec(), 60.0));
            assert_fits(&layout);
            for (b, name) in layout.bars.iter().zip(&names) {
                assert!(b.label.text.chars().count() <= BC_MAX_LABEL_CHARS);
                let kept = b.label.text.trim_end_matches('…');
                assert!(name.starts_with(kept), "{kept} is not the start of {name}");
            }
        }
        let one = bar_layout(&bars_of(["Writing".to_owned()], 1.0));
        assert!(!one.turned, "a short label fits level");
        assert_fits(&one);
    }
}

#[cfg(all(test, feature = "ssr"))]
mod ssr_tests {
    use super::tests::MIN;
    use super::*;
    use crate::i18n::{Lang, REQUEST_LANG};

    #[test]
    fn heatmap_labels_stay_inside_for_every_last_day_of_a_year_in_both_languages() {
        for lang in Lang::ALL {
            REQUEST_LANG.sync_scope(lang, || {
                for end in d(2026, 1, 1).iter_days().take(366) {
                    for weeks in [53, 26, 4, 1] {
                        let l = heatmap_layout(end, weeks);
                        for p in l.texts() {
                            assert!(
                                p.bounds().inside(l.width, HM_HEIGHT),
                                "{lang:?} {end} {weeks}: {p:?} ({:?}) outside 0 0 {} {HM_HEIGHT}",
                                p.bounds(),
                                l.width
                            );
                        }
                        for w in l.months.windows(2) {
                            assert!(
                                !w[0].bounds().overlaps(&w[1].bounds()),
                                "{lang:?} {end}: {:?} runs into {:?}",
                                w[0],
                                w[1]
                            );
                        }
                        let legend_left = l.legend_cells_x;
                        assert!(l.less.bounds().right <= legend_left);
                        assert!(legend_left + 4.0 * HM_STEP + HM_CELL <= l.more.bounds().left);
                    }
                }
            });
        }
    }

    #[test]
    fn a_month_starting_in_the_last_column_widens_the_heatmap_to_hold_its_name() {
        // 53 weeks up to Thu 3 Dec 2026: 1 Dec is in the last column, whose left edge is
        // at 28 + 52 × 12 = 652; the grid ends at 664, "Dec" needs about 20 units.
        let l = heatmap_layout(d(2026, 12, 3), 53);
        let dec = l.months.last().unwrap();
        assert_eq!((dec.text.as_str(), dec.x), ("Dec", 652.0));
        assert!(l.width > 664.0 && dec.bounds().right <= l.width, "{l:?}");
        // Otherwise the grid's own width.
        assert_eq!(heatmap_layout(d(2026, 11, 25), 53).width, 664.0);
        REQUEST_LANG.sync_scope(Lang::ZhHans, || {
            let l = heatmap_layout(d(2026, 12, 3), 53);
            let dec = l.months.last().unwrap();
            assert_eq!(dec.text, "12月");
            assert!(dec.bounds().right <= l.width);
        });
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn heatmap_renders_cells_titles_and_summary() {
        let end = d(2026, 11, 25);
        let values = vec![
            DayValue {
                day: d(2026, 11, 23),
                value: 45,
            },
            DayValue {
                day: d(2026, 11, 24),
                value: 5,
            },
        ];
        let unit = Plural::one_other("{n} min focus", "{n} min focus");
        let html = Owner::new().with(|| {
            view! { <Heatmap values=values end=end weeks=53 label="Focus time" unit=unit /> }
                .to_html()
        });

        // One cell per drawn day (Mon 24 Nov 2025 … Wed 25 Nov 2026), plus five in the legend.
        let days = 52 * 7 + 3;
        assert_eq!(html.matches("data-day=").count(), days);
        assert_eq!(html.matches("<title>").count(), days);
        assert_eq!(html.matches("class=\"hm-cell hm-l").count(), days + 5);
        assert!(
            html.contains("data-day=\"2026-11-23\" data-value=\"45\""),
            "{html}"
        );
        assert!(
            html.contains("data-day=\"2025-11-24\" data-value=\"0\""),
            "{html}"
        );
        assert!(
            html.contains("<title>Mon 23 Nov 2026: 45 min focus"),
            "{html}"
        );
        assert!(
            html.contains("<title>Wed 25 Nov 2026: 0 min focus"),
            "{html}"
        );
        assert!(
            !html.contains("2026-11-26") && !html.contains("2025-11-23"),
            "only the drawn range"
        );
        assert_eq!(
            html.matches("class=\"hm-cell hm-l4\"").count(),
            2,
            "the busiest cell and the legend"
        );
        assert_eq!(
            html.matches("class=\"hm-cell hm-l2\"").count(),
            2,
            "5 of [5, 45] and the legend"
        );
        assert!(html.contains(
            "Focus time: 2 active days in the last 53 weeks, 50 min focus in total; busiest day Mon 23 Nov 2026 with 45 min focus."
        ));
        assert!(html.contains("<p id=\"focus-time-heatmap-summary\" aria-hidden=\"true\" class=\"visually-hidden\">"), "{html}");
        assert!(
            html.contains("role=\"img\" aria-labelledby=\"focus-time-heatmap-summary\""),
            "{html}"
        );
        assert!(html.contains("viewBox=\"0 0 664 122\""), "{html}");
        for label in ["Mon", "Wed", "Fri", "Dec", "Jan", "Nov", "Less", "More"] {
            assert!(
                html.contains(&format!(">{label}<")),
                "{label} missing in {html}"
            );
        }
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn heatmap_without_data_says_so() {
        let values: Vec<DayValue> = Vec::new();
        let unit = Plural::one_other("{n} word", "{n} words");
        let html = Owner::new().with(|| view! { <Heatmap values=values end=d(2026, 11, 29) weeks=4 label="Words" unit=unit /> }.to_html());
        assert_eq!(html.matches("data-day=").count(), 28);
        assert_eq!(html.matches("class=\"hm-cell hm-l0\"").count(), 28 + 1);
        assert!(
            html.contains("Words: no active days in the last 4 weeks."),
            "{html}"
        );
        assert!(
            html.contains("aria-labelledby=\"words-heatmap-summary\""),
            "{html}"
        );
    }

    #[test]
    fn bar_chart_renders_bars_axis_and_table() {
        let bars = vec![
            Bar {
                label: "Mon".into(),
                value: 30.0,
            },
            Bar {
                label: "Tue".into(),
                value: 22.5,
            },
        ];
        let html = Owner::new()
            .with(|| view! { <BarChart bars=bars title="Focus this week" unit=MIN /> }.to_html());

        assert!(
            html.contains("role=\"img\" aria-label=\"Focus this week\""),
            "{html}"
        );
        assert!(
            html.contains("<p aria-hidden=\"true\" class=\"chart-title\">Focus this week"),
            "{html}"
        );
        assert_eq!(html.matches("class=\"bar\"").count(), 2, "{html}");
        assert_eq!(html.matches("class=\"gridline\"").count(), 3, "{html}");
        assert_eq!(html.matches("class=\"axis\"").count(), 1, "{html}");
        assert!(html.contains("class=\"bar-value\">30<"), "{html}");
        assert!(html.contains("class=\"bar-value\">22.5<"), "{html}");
        assert!(html.contains("class=\"bar-label\">Tue<"), "{html}");
        // Gridlines at 10, 20, 30 (nice_max(30) = 30).
        for v in ["0", "10", "20", "30"] {
            assert!(
                html.contains(&format!("class=\"axis-label\">{v}<")),
                "{v} missing in {html}"
            );
        }
        assert!(
            html.contains("<table class=\"visually-hidden\"><caption>Focus this week"),
            "{html}"
        );
        assert!(html.contains("<th scope=\"row\">Mon"), "{html}");
        assert!(html.contains("<td>22.5 min"), "{html}");
        assert!(!html.contains("style="), "{html}");
    }

    #[test]
    fn bar_chart_escapes_labels_and_handles_no_data() {
        let bars = vec![Bar {
            label: "<b>x</b>".into(),
            value: 1.0,
        }];
        let html =
            Owner::new().with(|| view! { <BarChart bars=bars title="T" unit=MIN /> }.to_html());
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");

        let empty: Vec<Bar> = Vec::new();
        let html = Owner::new()
            .with(|| view! { <BarChart bars=empty title="Empty" unit=MIN /> }.to_html());
        assert!(html.contains("No data yet"), "{html}");
        assert_eq!(html.matches("class=\"bar\"").count(), 0);
        assert!(html.contains("aria-label=\"Empty\""), "{html}");
    }
}
