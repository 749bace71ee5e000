//! The timeline as a self-contained SVG (no script, no external reference): requests per second
//! on top, p50 and p99 latency below, over the run's time — for the HTML report to embed.

use std::fmt::Write as _;

use super::report::TimelinePoint;

const WIDTH: f64 = 800.0;
const PANEL: f64 = 150.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const GAP: f64 = 50.0;

/// A round ceiling for an axis: 1, 2, 5 x 10^n at or above `v`.
fn nice(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

fn polyline(points: &[(f64, f64)], color: &str) -> String {
    let coords: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    format!(
        r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/>"#,
        coords.join(" ")
    )
}

/// The chart of `points` (one per timeline interval), as an SVG document.
pub fn timeline_svg(points: &[TimelinePoint]) -> String {
    let height = TOP + PANEL + GAP + PANEL + 40.0;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    );
    s.push_str(r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    if points.is_empty() {
        s.push_str(r#"<text x="20" y="40">no requests were measured</text></svg>"#);
        return s;
    }
    let end = points
        .iter()
        .map(|p| (p.at + p.width).as_secs_f64())
        .fold(0.0, f64::max)
        .max(1e-3);
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |t: f64| LEFT + plot_w * t / end;
    let mid = |p: &TimelinePoint| p.at.as_secs_f64() + p.width.as_secs_f64() / 2.0;
    let max_rps = nice(points.iter().map(TimelinePoint::rps).fold(0.0, f64::max));
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let max_ms = nice(points.iter().map(|p| ms(p.p99)).fold(0.0, f64::max));
    let top2 = TOP + PANEL + GAP;
    for (y0, title, max, unit) in [
        (TOP, "requests per second", max_rps, ""),
        (top2, "latency (p50 blue, p99 red)", max_ms, " ms"),
    ] {
        let _ = write!(
            s,
            r##"<text x="{LEFT}" y="{:.1}" font-weight="bold">{title}</text><rect x="{LEFT}" y="{y0}" width="{plot_w}" height="{PANEL}" fill="none" stroke="#999"/>"##,
            y0 - 8.0
        );
        for i in 0..=4 {
            let v = max * f64::from(i) / 4.0;
            let y = y0 + PANEL - PANEL * f64::from(i) / 4.0;
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}{unit}</text>"##,
                LEFT + plot_w,
                LEFT - 6.0,
                y + 4.0,
                if v >= 100.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v:.3}")
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string()
                }
            );
        }
    }
    let y_rps = |v: f64| TOP + PANEL - PANEL * (v / max_rps).min(1.0);
    let y_ms = |v: f64| top2 + PANEL - PANEL * (v / max_ms).min(1.0);
    let rps: Vec<(f64, f64)> = points.iter().map(|p| (x(mid(p)), y_rps(p.rps()))).collect();
    let errors: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                x(mid(p)),
                y_rps(p.errors as f64 / p.width.as_secs_f64().max(1e-9)),
            )
        })
        .collect();
    s.push_str(&polyline(&rps, "#2a7"));
    if points.iter().any(|p| p.errors > 0) {
        s.push_str(&polyline(&errors, "#d33"));
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#d33">errors and 429s</text>"##,
            LEFT + plot_w - 4.0,
            TOP + 12.0
        );
    }
    let answered: Vec<&TimelinePoint> = points.iter().filter(|p| p.requests > 0).collect();
    let p50: Vec<(f64, f64)> = answered
        .iter()
        .map(|p| (x(mid(p)), y_ms(ms(p.p50))))
        .collect();
    let p99: Vec<(f64, f64)> = answered
        .iter()
        .map(|p| (x(mid(p)), y_ms(ms(p.p99))))
        .collect();
    s.push_str(&polyline(&p99, "#d33"));
    s.push_str(&polyline(&p50, "#36c"));
    for i in 0..=4 {
        let t = end * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{t:.1} s</text>"#,
            x(t),
            top2 + PANEL + 16.0
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_chart_is_one_self_contained_svg() {
        let p = |i: u64, n: u64| TimelinePoint {
            at: Duration::from_secs(i),
            width: Duration::from_secs(1),
            requests: n,
            errors: i % 2,
            throttled: 0,
            p50: Duration::from_millis(2),
            p99: Duration::from_millis(9),
        };
        let svg = timeline_svg(&[p(0, 100), p(1, 250), p(2, 0)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 4);
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        assert!(!svg.contains("<script") && !svg.contains("href"));
        assert!(timeline_svg(&[]).contains("no requests"));
        assert_eq!(nice(0.0), 1.0);
        assert_eq!(nice(260.0), 500.0);
        assert_eq!(nice(1000.0), 1000.0);
    }
}
