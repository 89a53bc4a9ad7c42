//! Hand-written SVG charts: columns (a figure per day) and horizontal bars (a figure per
//! product, coupon or funnel step). A few dozen rectangles and labels need no charting
//! library, and writing them here keeps every chart honest and readable by machines: the
//! value axis starts at zero, each bar carries its exact figure (`data-value`, and a
//! `<title>` that browsers show on hover and screen readers read), and the SVG needs no
//! script and prints. Geometry is approximate (one decimal); figures are exact.
//!
//! Every SVG element is written with a closing tag (`rect … {}`): inside `<svg>`, an HTML
//! parser takes `<rect>` without `/>` as opening an element, and would nest what follows
//! in it (and not draw it).

use maud::{html, Markup};

/// One bar: what it stands for (a day, a product) and its figure.
pub struct Point {
    /// The category, shown on the axis and in the bar's title.
    pub label: String,
    /// The figure (minor units of money, or a count); drawn from zero, negatives as zero.
    pub value: i64,
}

impl Point {
    /// A bar `label` of `value`.
    pub fn new(label: impl Into<String>, value: i64) -> Self {
        Self {
            label: label.into(),
            value,
        }
    }
}

/// How a figure is written (money with its currency's digits, a plain count).
pub type Format<'a> = &'a dyn Fn(i64) -> String;

const WIDTH: f64 = 640.0;
/// Room for the value axis's labels on the left of the columns.
const AXIS: f64 = 96.0;
const TOP: f64 = 12.0;
const PLOT_HEIGHT: f64 = 180.0;
/// Room for the category labels under the columns.
const BOTTOM: f64 = 24.0;
/// Category labels on the category axis, at most.
const TICKS: usize = 6;
/// Horizontal bars: a row's height, and the room for the labels on their left.
const ROW: f64 = 28.0;
const LABEL: f64 = 200.0;
/// Characters of a horizontal bar's label shown before it is cut (the title has it whole).
const LABEL_CHARS: usize = 26;

/// Columns for `points` (e.g. one per day), under a value axis from zero to a round figure
/// at least the largest, labelled 0, half and full with `format`. `caption` names the chart
/// (its accessible name).
pub fn columns(caption: &str, points: &[Point], format: Format<'_>) -> Markup {
    let top = round_up(points.iter().map(|p| p.value).max().unwrap_or(0));
    let count = points.len().max(1);
    let step = (WIDTH - AXIS) / count as f64;
    // Labels far enough apart for the first (anchored at its start, so reaching a whole
    // label's width to the right) and its neighbour (centred): one and a half labels, at
    // about 7.5 units a character at 12 px.
    let widest = points
        .iter()
        .map(|p| p.label.chars().count())
        .max()
        .unwrap_or(1);
    let apart = (1.5 * 7.5 * widest as f64 / step).ceil() as usize;
    let every = count.div_ceil(TICKS).max(apart).max(1);
    let height = TOP + PLOT_HEIGHT + BOTTOM;
    let y_of = |value: i64| TOP + PLOT_HEIGHT - scaled(value, top, PLOT_HEIGHT);
    figure(
        caption,
        html! {
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(caption) {
                @for tick in ticks(top) {
                    line class="grid" x1=(AXIS) x2=(WIDTH) y1=(fixed(y_of(tick))) y2=(fixed(y_of(tick))) {}
                    text class="axis" x=(AXIS - 6.0) y=(fixed(y_of(tick) + 4.0)) text-anchor="end" { (format(tick)) }
                }
                @for (index, point) in points.iter().enumerate() {
                    @let x = AXIS + step * index as f64;
                    @let bar = scaled(point.value, top, PLOT_HEIGHT);
                    g class="bar" data-label=(point.label) data-value=(point.value) {
                        title { (point.label) ": " (format(point.value)) }
                        rect x=(fixed(x + step * 0.1)) y=(fixed(TOP + PLOT_HEIGHT - bar))
                            width=(fixed(step * 0.8)) height=(fixed(bar)) {}
                    }
                    @if ticked(index, points.len(), every) {
                        @let (at, side) = match anchor(index, points.len()) {
                            "start" => (x + step * 0.1, "start"),
                            "end" => (x + step * 0.9, "end"),
                            middle => (x + step / 2.0, middle),
                        };
                        text class="axis" x=(fixed(at)) y=(fixed(height - 6.0)) text-anchor=(side) { (point.label) }
                    }
                }
            }
        },
    )
}

/// Horizontal bars for `points` (e.g. one per product), each with its label on the left and
/// its figure written at its end, on a scale from zero to the largest.
pub fn rows(caption: &str, points: &[Point], format: Format<'_>) -> Markup {
    let top = points.iter().map(|p| p.value).max().unwrap_or(0).max(1);
    // Room on the right for the longest figure.
    let room = 12.0
        + 7.5
            * points
                .iter()
                .map(|p| format(p.value).len())
                .max()
                .unwrap_or(1) as f64;
    let length = (WIDTH - LABEL - room).max(40.0);
    let height = ROW * points.len().max(1) as f64 + 4.0;
    figure(
        caption,
        html! {
            svg viewBox={ "0 0 " (WIDTH) " " (fixed(height)) } role="img" aria-label=(caption) {
                @for (index, point) in points.iter().enumerate() {
                    @let y = 2.0 + ROW * index as f64;
                    @let bar = scaled(point.value, top, length);
                    g class="bar" data-label=(point.label) data-value=(point.value) {
                        title { (point.label) ": " (format(point.value)) }
                        text class="axis" x=(LABEL - 8.0) y=(fixed(y + ROW / 2.0 + 4.0)) text-anchor="end" { (cut(&point.label)) }
                        rect x=(LABEL) y=(fixed(y + 4.0)) width=(fixed(bar)) height=(fixed(ROW - 8.0)) {}
                        text class="figure" x=(fixed(LABEL + bar + 6.0)) y=(fixed(y + ROW / 2.0 + 4.0)) { (format(point.value)) }
                    }
                }
            }
        },
    )
}

/// `svg` under its visible caption (the SVG's accessible name is the same text).
fn figure(caption: &str, svg: Markup) -> Markup {
    html! {
        figure class="chart" {
            figcaption { (caption) }
            (svg)
        }
    }
}

/// The value axis's labels: zero, the middle (when a whole number apart from both) and the top.
fn ticks(top: i64) -> Vec<i64> {
    if top >= 2 {
        vec![0, top / 2, top]
    } else {
        vec![0, top]
    }
}

/// `value`'s share of `length` on a scale of `0..=top` (negatives drawn as nothing).
fn scaled(value: i64, top: i64, length: f64) -> f64 {
    value.max(0) as f64 / top.max(1) as f64 * length
}

/// The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ at least `max` (at least 1): an axis
/// top a reader can divide in their head.
fn round_up(max: i64) -> i64 {
    let max = max.max(1);
    let mut scale = 1i64;
    loop {
        for tenths in [10, 15, 20, 25, 30, 40, 50, 60, 80, 100] {
            let candidate = scale.saturating_mul(tenths) / 10;
            if candidate >= max {
                return candidate.max(1);
            }
        }
        if scale > i64::MAX / 10 {
            return max;
        }
        scale *= 10;
    }
}

/// A coordinate with one decimal.
fn fixed(value: f64) -> String {
    format!("{value:.1}")
}

/// Whether column `index` of `count` gets its label on the axis: every `every`th from the
/// first, and the last, less a regular one closer than `every` to the last.
fn ticked(index: usize, count: usize, every: usize) -> bool {
    let last = count.saturating_sub(1);
    index == last || (index % every == 0 && last - index >= every)
}

/// The first and last category labels are anchored inside the chart.
fn anchor(index: usize, count: usize) -> &'static str {
    match index {
        0 => "start",
        _ if index + 1 == count => "end",
        _ => "middle",
    }
}

fn cut(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_string()
    } else {
        let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round_and_at_least_the_largest_figure() {
        assert_eq!(round_up(0), 1);
        assert_eq!(round_up(1), 1);
        assert_eq!(round_up(7), 8);
        assert_eq!(round_up(2999), 3000);
        assert_eq!(round_up(3001), 4000);
        assert_eq!(round_up(11), 15);
        assert_eq!(round_up(i64::MAX), i64::MAX);
    }

    #[test]
    fn labels_on_the_axis_leave_each_other_room() {
        let shown: Vec<usize> = (0..30).filter(|&i| ticked(i, 30, 5)).collect();
        assert_eq!(shown, vec![0, 5, 10, 15, 20, 29]);
        let shown: Vec<usize> = (0..7).filter(|&i| ticked(i, 7, 2)).collect();
        assert_eq!(shown, vec![0, 2, 4, 6]);
        assert_eq!((0..1).filter(|&i| ticked(i, 1, 1)).count(), 1);
    }

    #[test]
    fn every_bar_carries_its_exact_figure() {
        let plain = |value: i64| value.to_string();
        let points = [Point::new("2026-12-06", 0), Point::new("2026-12-07", 2999)];
        let svg = columns("Revenue", &points, &plain).into_string();
        assert!(
            svg.contains(r#"data-label="2026-12-07" data-value="2999""#),
            "{svg}"
        );
        assert!(svg.contains("<title>2026-12-07: 2999</title>"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), svg.matches("</rect>").count());
        assert_eq!(svg.matches("<line").count(), svg.matches("</line>").count());
        assert!(svg.contains(r#"role="img" aria-label="Revenue""#), "{svg}");
        // The taller bar fills the plot up to the axis top (3000).
        assert!(svg.contains(r#"height="179.9""#), "{svg}");
        let svg = rows(
            "Units",
            &[Point::new("A long product name, cut on the axis", 3)],
            &plain,
        )
        .into_string();
        assert!(svg.contains("<title>A long product name, cut on the axis: 3</title>"));
        assert!(svg.contains("A long product name, cut …"), "{svg}");
    }
}
