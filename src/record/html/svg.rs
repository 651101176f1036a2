//! The charts of the HTML reports, as plain inline SVG: horizontal bars with intervals
//! (scores, differences, throughput) and a precision–recall curve. No script draws
//! them, so a report reads the same in a mail client that runs none.

use std::fmt::Write as _;

/// Colours of the series, in order (colour-blind safe: Okabe–Ito).
const SERIES_COLOURS: [&str; 4] = ["#0072b2", "#e69f00", "#009e73", "#cc79a7"];

const PLOT_WIDTH: f64 = 320.0;
const VALUE_WIDTH: f64 = 70.0;
/// Room for labels: enough for the longest, within these bounds.
const LABEL_WIDTH: [f64; 2] = [120.0, 340.0];
/// Width of a label character at the label font size, near enough for layout.
const CHAR_WIDTH: f64 = 6.2;
const BAR_HEIGHT: f64 = 14.0;
const BAR_GAP: f64 = 3.0;
const GROUP_GAP: f64 = 10.0;
const TOP: f64 = 22.0;

/// One bar: a value with, where known, its 95% interval.
#[derive(Debug, Clone)]
pub struct Bar {
    pub value: Option<f64>,
    pub interval: Option<[f64; 2]>,
    /// Index into [`BarChart::series`] (its colour and legend entry).
    pub series: usize,
}

/// Bars drawn together under one label (a model on a dataset, a quote type).
#[derive(Debug, Clone)]
pub struct BarGroup {
    pub label: String,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone)]
pub struct BarChart {
    /// Read by screen readers and shown on hover.
    pub title: String,
    /// The legend; one name draws none.
    pub series: Vec<String>,
    pub groups: Vec<BarGroup>,
    /// The value axis, `[low, high]`; a domain that holds 0 gets a line there.
    pub domain: [f64; 2],
    /// How values are written beside their bars.
    pub format: fn(f64) -> String,
}

/// Three decimals, for ratios.
pub fn ratio(value: f64) -> String {
    format!("{value:.3}")
}

/// Signed, three decimals, for differences.
pub fn signed(value: f64) -> String {
    format!("{value:+.3}")
}

/// Whole numbers with no decimals, for throughput.
pub fn whole(value: f64) -> String {
    format!("{value:.0}")
}

pub fn bar_chart(chart: &BarChart) -> String {
    let [low, high] = chart.domain;
    let span = if high > low { high - low } else { 1.0 };
    let longest = chart
        .groups
        .iter()
        .map(|g| g.label.chars().count())
        .max()
        .unwrap_or(0);
    let label_width = (longest as f64 * CHAR_WIDTH + 12.0).clamp(LABEL_WIDTH[0], LABEL_WIDTH[1]);
    let width = label_width + PLOT_WIDTH + VALUE_WIDTH;
    let x = |v: f64| label_width + (v.clamp(low, high) - low) / span * PLOT_WIDTH;
    let legend = chart.series.len() > 1;
    let mut y = TOP + if legend { 16.0 } else { 0.0 };
    let mut body = String::new();
    for group in &chart.groups {
        let group_height = group.bars.len() as f64 * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
        let _ = write!(
            body,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text>"#,
            label_width - 8.0,
            y + group_height / 2.0 + 4.0,
            escape(&fit(
                &group.label,
                ((label_width - 12.0) / CHAR_WIDTH) as usize
            ))
        );
        for bar in &group.bars {
            let colour = SERIES_COLOURS[bar.series % SERIES_COLOURS.len()];
            let series = chart.series.get(bar.series).map_or("", String::as_str);
            match bar.value {
                Some(value) => {
                    let (from, to) = (x(0.0_f64.clamp(low, high)), x(value));
                    let _ = write!(
                        body,
                        r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{BAR_HEIGHT}" fill="{colour}"><title>{} {}{}</title></rect>"#,
                        from.min(to),
                        (to - from).abs().max(0.5),
                        escape(&group.label),
                        escape(series),
                        escape(&format!(": {}", (chart.format)(value))),
                    );
                    if let Some([lo, hi]) = bar.interval {
                        let mid = y + BAR_HEIGHT / 2.0;
                        let _ = write!(
                            body,
                            r#"<path d="M{:.1} {mid:.1}H{:.1}M{:.1} {:.1}V{:.1}M{:.1} {:.1}V{:.1}" class="ci"><title>95% interval [{}, {}]</title></path>"#,
                            x(lo),
                            x(hi),
                            x(lo),
                            mid - 4.0,
                            mid + 4.0,
                            x(hi),
                            mid - 4.0,
                            mid + 4.0,
                            (chart.format)(lo),
                            (chart.format)(hi),
                        );
                    }
                    let _ = write!(
                        body,
                        r#"<text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
                        width - VALUE_WIDTH + 6.0,
                        y + BAR_HEIGHT - 3.0,
                        escape(&(chart.format)(value))
                    );
                }
                None => {
                    let _ = write!(
                        body,
                        r#"<text x="{:.1}" y="{:.1}" class="value">undefined</text>"#,
                        width - VALUE_WIDTH + 6.0,
                        y + BAR_HEIGHT - 3.0
                    );
                }
            }
            y += BAR_HEIGHT + BAR_GAP;
        }
        y += GROUP_GAP;
    }
    let height = y + 14.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(&chart.title),
        escape(&chart.title)
    );
    // Axis: ticks at the ends and at 0 when the domain holds it.
    let mut ticks = vec![low, high];
    if low < 0.0 && high > 0.0 {
        ticks.push(0.0);
    } else {
        ticks.push((low + high) / 2.0);
    }
    for tick in ticks {
        let _ = write!(
            svg,
            r#"<line x1="{0:.1}" x2="{0:.1}" y1="{1:.1}" y2="{2:.1}" class="{3}"/><text x="{0:.1}" y="{4:.1}" class="tick" text-anchor="middle">{5}</text>"#,
            x(tick),
            TOP - 8.0 + if legend { 16.0 } else { 0.0 },
            height - 14.0,
            if tick == 0.0 { "zero" } else { "grid" },
            height - 2.0,
            escape(&(chart.format)(tick))
        );
    }
    if legend {
        let mut lx = label_width;
        for (i, name) in chart.series.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<rect x="{lx:.1}" y="4" width="10" height="10" fill="{}"/><text x="{:.1}" y="13" class="legend">{}</text>"#,
                SERIES_COLOURS[i % SERIES_COLOURS.len()],
                lx + 14.0,
                escape(name)
            );
            lx += 24.0 + 7.0 * name.chars().count() as f64;
        }
    }
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

/// A point of a precision–recall curve.
#[derive(Debug, Clone, Copy)]
pub struct PrPoint {
    pub recall: f64,
    pub precision: f64,
    pub threshold: f64,
}

const PR_SIZE: f64 = 300.0;
const PR_MARGIN: f64 = 36.0;

/// Precision (y) against recall (x), both on [0, 1], with the point of best F1 marked.
pub fn pr_curve(title: &str, points: &[PrPoint], best: Option<PrPoint>) -> String {
    let full = PR_SIZE + 2.0 * PR_MARGIN;
    let x = |r: f64| PR_MARGIN + r.clamp(0.0, 1.0) * PR_SIZE;
    let y = |p: f64| PR_MARGIN + (1.0 - p.clamp(0.0, 1.0)) * PR_SIZE;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {full} {full}" width="{full}" height="{full}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(title),
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<rect x="{PR_MARGIN}" y="{PR_MARGIN}" width="{PR_SIZE}" height="{PR_SIZE}" class="frame"/>"#
    );
    for tick in [0.0, 0.5, 1.0] {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{tick}</text><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{tick}</text>"#,
            x(tick),
            PR_MARGIN + PR_SIZE + 14.0,
            PR_MARGIN - 4.0,
            y(tick) + 4.0
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="middle">recall</text><text x="12" y="{:.1}" class="label" text-anchor="middle" transform="rotate(-90 12 {:.1})">precision</text>"#,
        PR_MARGIN + PR_SIZE / 2.0,
        full - 4.0,
        PR_MARGIN + PR_SIZE / 2.0,
        PR_MARGIN + PR_SIZE / 2.0
    );
    let mut path = String::new();
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            path,
            "{}{:.1} {:.1}",
            if i == 0 { "M" } else { "L" },
            x(p.recall),
            y(p.precision)
        );
    }
    let _ = write!(
        svg,
        r#"<path d="{path}" class="curve" stroke="{}"/>"#,
        SERIES_COLOURS[0]
    );
    for p in points {
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"><title>threshold {}: P {:.3}, R {:.3}</title></circle>"#,
            x(p.recall),
            y(p.precision),
            SERIES_COLOURS[0],
            p.threshold,
            p.precision,
            p.recall
        );
    }
    if let Some(b) = best {
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="5" class="best"><title>best F1 at threshold {}</title></circle>"#,
            x(b.recall),
            y(b.precision),
            b.threshold
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A label cut to `chars` characters (the bar's hover title keeps it whole).
fn fit(label: &str, chars: usize) -> String {
    match label.char_indices().nth(chars.saturating_sub(1)) {
        Some((cut, _)) if label.chars().count() > chars => format!("{}…", &label[..cut]),
        _ => label.to_string(),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_values_written() {
        let svg = bar_chart(&BarChart {
            title: "F1 <a&b>".into(),
            series: vec!["pair F1".into()],
            groups: vec![BarGroup {
                label: "m<1> on d".into(),
                bars: vec![Bar {
                    value: Some(0.5),
                    interval: Some([0.4, 0.6]),
                    series: 0,
                }],
            }],
            domain: [0.0, 1.0],
            format: ratio,
        });
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("m&lt;1&gt; on d"));
        assert!(!svg.contains("<a&b>"));
        assert!(svg.contains(">0.500<"));
        assert!(svg.contains("95% interval [0.400, 0.600]"));
    }

    #[test]
    fn long_labels_are_cut_to_the_room_left_of_the_bars() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abcd", 4), "abcd");
    }

    #[test]
    fn an_undefined_value_says_so_instead_of_drawing_zero() {
        let svg = bar_chart(&BarChart {
            title: "t".into(),
            series: vec!["a".into(), "b".into()],
            groups: vec![BarGroup {
                label: "g".into(),
                bars: vec![Bar {
                    value: None,
                    interval: None,
                    series: 1,
                }],
            }],
            domain: [0.0, 1.0],
            format: ratio,
        });
        assert!(svg.contains(">undefined<"));
        assert!(!svg.contains(r##"fill="#e69f00"><title>"##));
    }
}
