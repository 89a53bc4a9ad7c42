//! A small hand-written SVG bar chart (sales per day): a few dozen rectangles do not need a
//! charting library.

use maud::{html, Markup};

/// Bars for `values` (minor units, one per day), labelled with `label` for screen readers.
pub fn bars(values: &[i64], label: &str) -> Markup {
    const WIDTH: i64 = 600;
    const HEIGHT: i64 = 160;
    let count = i64::try_from(values.len()).unwrap_or(1).max(1);
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let step = WIDTH / count;
    html! {
        svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(label)
            width="100%" preserveAspectRatio="none" style="max-height:12rem;background:#fff" {
            @for (index, value) in values.iter().enumerate() {
                @let height = value.max(&0) * (HEIGHT - 4) / max;
                rect x=(i64::try_from(index).unwrap_or(0) * step + 1) y=(HEIGHT - height)
                    width=((step - 2).max(1)) height=(height) fill="#0b57d0";
            }
        }
    }
}
