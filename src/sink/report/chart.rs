//! Time axes for people (`0`, `20 ms`, `40 ms`, `1.5 s`: steps of 1, 2 or 5 times a power
//! of ten) and the HTML report's inline SVG charts: the per-process timeline and the
//! chart of failures over time per errno beside it. No script: titles are SVG `<title>`
//! elements, the browser shows them on hover.

use super::format::{at, exit_label, proc_label, span};
use super::html::esc;
use super::{Timeline, TimelineRow};
use std::fmt::Write as _;

/// A step of 1, 2 or 5 times a power of ten nanoseconds such that `span_ns` holds at most
/// `max` steps.
pub(crate) fn tick_step(span_ns: u64, max: u64) -> u64 {
    let want = span_ns.div_ceil(max.max(1)).max(1);
    let mut p: u64 = 1;
    loop {
        for m in [1, 2, 5] {
            let step = p.saturating_mul(m);
            if step >= want {
                return step;
            }
        }
        match p.checked_mul(10) {
            Some(n) => p = n,
            None => return u64::MAX,
        }
    }
}

/// The ticks of an axis over `span_ns`: 0 and each multiple of the step within it.
pub(crate) fn ticks(span_ns: u64, max: u64) -> (u64, Vec<u64>) {
    let step = tick_step(span_ns, max);
    let n = span_ns / step;
    (step, (0..=n).map(|k| k * step).collect())
}

/// A tick's label: `0`, `250 us`, `20 ms`, `1.5 s`, in the unit of the axis's end
/// (`end_ns`) with as many decimals as the step needs.
pub(crate) fn tick_label(ns: u64, step: u64, end_ns: u64) -> String {
    if ns == 0 {
        return "0".to_owned();
    }
    let (unit, name) = match end_ns {
        1_000_000_000.. => (1_000_000_000u64, "s"),
        1_000_000.. => (1_000_000, "ms"),
        _ => (1_000, "us"),
    };
    let mut decimals = 0usize;
    let mut q = unit;
    while decimals < 6 && q > 1 && !step.is_multiple_of(q) {
        q /= 10;
        decimals += 1;
    }
    format!("{:.decimals$} {name}", ns as f64 / unit as f64)
}

/// Colours of the errno series, in the chart and its legend (CSS classes `s0`..).
pub(crate) const SERIES_CSS: &str = "
svg .s0 { fill: #c5221f; } svg .s1 { fill: #1a73e8; } svg .s2 { fill: #e37400; }
svg .s3 { fill: #188038; } svg .s4 { fill: #a142f4; } svg .s5 { fill: #007b83; }
svg .s6 { fill: #b06000; } svg .s7 { fill: #d01884; } svg .s8 { fill: #80868b; }
";
const SERIES_COLOURS: usize = 9;

/// Horizontal geometry shared by the two charts: where a time falls.
struct Axis {
    left: f64,
    width: f64,
    range: f64,
}

impl Axis {
    fn x(&self, ns: u64) -> f64 {
        self.left + (ns as f64 / self.range).min(1.0) * self.width
    }
}

/// The timeline as an inline SVG: a legend, human ticks, one row per process with its
/// lifetime as a grey line, failures as bars (taller for more; expected ones pale, the
/// one before the process exited in red), the exit as a tick.
pub(crate) fn write_timeline_svg(
    h: &mut String,
    t: &Timeline,
    duration_ns: u64,
) -> std::fmt::Result {
    const LABEL_W: f64 = 190.0;
    const PLOT_W: f64 = 680.0;
    const ROW_H: f64 = 26.0;
    const TOP: f64 = 50.0;
    let axis = Axis {
        left: LABEL_W,
        width: PLOT_W,
        range: t.span_ns().max(1) as f64,
    };
    let width = LABEL_W + PLOT_W + 20.0;
    let height = TOP + ROW_H * t.rows.len() as f64 + 8.0;
    writeln!(
        h,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"tl-title\">"
    )?;
    writeln!(
        h,
        "<title id=\"tl-title\">Failures over time per process; each bar is {} wide</title>",
        esc(&span(t.bucket_ns))
    )?;
    write_legend(h, 4.0, 14.0)?;
    write_ticks(
        h,
        &axis,
        t.span_ns(),
        6,
        TOP - 14.0,
        TOP - 6.0,
        height - 4.0,
    )?;
    let bw = PLOT_W / t.buckets.max(1) as f64;
    for (i, row) in t.rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let mid = y + ROW_H / 2.0;
        let mut label = proc_label(&row.process);
        if label.len() > 24 {
            label.truncate(23);
            label.push('~');
        }
        writeln!(
            h,
            "<g class=\"row\"><text x=\"4\" y=\"{:.1}\">{}</text>",
            mid + 4.0,
            esc(&label)
        )?;
        let end = row.exit.as_ref().map_or(duration_ns, |e| e.ts_ns);
        writeln!(
            h,
            "<line class=\"life\" x1=\"{:.1}\" y1=\"{mid:.1}\" x2=\"{:.1}\" y2=\"{mid:.1}\"/>",
            axis.x(row.start_ns),
            axis.x(end).max(axis.x(row.start_ns) + 1.0)
        )?;
        for (b, class, c) in bars(row, t) {
            let hgt = (6.0 + 4.0 * (c as f64).log2()).min(ROW_H - 6.0);
            let from = t.bucket_start_ns(b);
            let what = match class {
                "expected" => "expected failure",
                _ => "failure",
            };
            writeln!(
                h,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hgt:.1}\"><title>{}</title></rect>",
                axis.x(from) + 0.5,
                mid - hgt / 2.0,
                (bw - 1.0).max(1.0),
                esc(&format!(
                    "pid {}: {c} {what}{} between {} and {}{}",
                    row.process.pid,
                    if c == 1 { "" } else { "s" },
                    at(from),
                    at(from.saturating_add(t.bucket_ns)),
                    if class == "fatal" {
                        ", the last before it exited"
                    } else {
                        ""
                    }
                ))
            )?;
        }
        if let Some(e) = &row.exit {
            let xx = axis.x(e.ts_ns);
            writeln!(
                h,
                "<line class=\"exit\" x1=\"{xx:.1}\" y1=\"{:.1}\" x2=\"{xx:.1}\" y2=\"{:.1}\"><title>{}</title></line>",
                mid - 8.0,
                mid + 8.0,
                esc(&format!("{} at {}", exit_label(e), at(e.ts_ns)))
            )?;
        }
        writeln!(h, "</g>")?;
    }
    writeln!(h, "</svg>")
}

/// The bars of a row: (bucket, class, failures). A bucket with a consequential failure is
/// drawn as one (`fatal` for the one before the exit), one with only expected failures
/// as `expected`.
fn bars<'a>(
    row: &'a TimelineRow,
    t: &Timeline,
) -> impl Iterator<Item = (usize, &'static str, u64)> + 'a {
    let fatal = row.fatal_ns.map(|ns| t.bucket_of(ns));
    row.counts.iter().enumerate().filter_map(move |(b, &c)| {
        let expected = row.expected.get(b).copied().unwrap_or(0);
        if Some(b) == fatal {
            Some((b, "fatal", c.max(1)))
        } else if c == 0 {
            None
        } else if expected >= c {
            Some((b, "expected", c))
        } else {
            Some((b, "fail", c))
        }
    })
}

/// What the timeline's marks mean.
fn write_legend(h: &mut String, x0: f64, y: f64) -> std::fmt::Result {
    writeln!(h, "<g class=\"legend\">")?;
    let mut x = x0;
    for (mark, text) in [
        (
            "<rect class=\"fail\" width=\"10\" height=\"10\" y=\"-9\"/>",
            "failure",
        ),
        (
            "<rect class=\"expected\" width=\"10\" height=\"10\" y=\"-9\"/>",
            "expected failure",
        ),
        (
            "<rect class=\"fatal\" width=\"10\" height=\"10\" y=\"-9\"/>",
            "last failure before the process exited",
        ),
        (
            "<line class=\"life\" x1=\"0\" y1=\"-4\" x2=\"12\" y2=\"-4\"/>",
            "process running",
        ),
        (
            "<line class=\"exit\" x1=\"5\" y1=\"-10\" x2=\"5\" y2=\"2\"/>",
            "exit",
        ),
    ] {
        writeln!(
            h,
            "<g class=\"key\" transform=\"translate({x:.1} {y:.1})\">{mark}<text x=\"16\">{text}</text></g>"
        )?;
        // 7 px per character of the 12 px monospace labels.
        x += 30.0 + 7.0 * text.len() as f64;
    }
    writeln!(h, "</g>")
}

/// Grid lines and labels at human ticks over `span_ns`.
fn write_ticks(
    h: &mut String,
    axis: &Axis,
    span_ns: u64,
    max: u64,
    label_y: f64,
    top: f64,
    bottom: f64,
) -> std::fmt::Result {
    let (step, ticks) = ticks(span_ns.max(1), max);
    let end = ticks.last().copied().unwrap_or(0);
    for (k, &ns) in ticks.iter().enumerate() {
        let xx = axis.x(ns);
        writeln!(
            h,
            "<line class=\"grid\" x1=\"{xx:.1}\" y1=\"{top:.1}\" x2=\"{xx:.1}\" y2=\"{bottom:.1}\"/>"
        )?;
        let anchor = if k == 0 { "start" } else { "middle" };
        writeln!(
            h,
            "<text class=\"tick\" x=\"{xx:.1}\" y=\"{label_y:.1}\" text-anchor=\"{anchor}\">{}</text>",
            esc(&tick_label(ns, step, end))
        )?;
    }
    Ok(())
}

/// Failures over time per errno: stacked bars per bucket, one colour per errno, with
/// its legend (name, total, how many expected).
pub(crate) fn write_errno_chart(h: &mut String, t: &Timeline) -> std::fmt::Result {
    const LEFT: f64 = 36.0;
    const PLOT_W: f64 = 300.0;
    const PLOT_H: f64 = 150.0;
    const TOP: f64 = 14.0;
    const KEY_H: f64 = 18.0;
    let series = &t.by_errno;
    let axis = Axis {
        left: LEFT,
        width: PLOT_W,
        range: t.span_ns().max(1) as f64,
    };
    let base = TOP + PLOT_H;
    let height = base + 28.0 + KEY_H * series.len() as f64;
    let width = LEFT + PLOT_W + 12.0;
    let peak = (0..t.buckets)
        .map(|b| {
            series
                .iter()
                .map(|s| s.counts.get(b).copied().unwrap_or(0))
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0)
        .max(1);
    writeln!(
        h,
        "<svg class=\"errno-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height:.1}\" role=\"img\" aria-labelledby=\"ec-title\">"
    )?;
    writeln!(
        h,
        "<title id=\"ec-title\">Failures over time per errno; each bar is {} wide</title>",
        esc(&span(t.bucket_ns))
    )?;
    write_ticks(h, &axis, t.span_ns(), 4, base + 16.0, TOP, base)?;
    writeln!(
        h,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>",
        LEFT + PLOT_W
    )?;
    writeln!(
        h,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{base:.1}\"/>"
    )?;
    writeln!(
        h,
        "<text class=\"ymax\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{peak}</text>",
        LEFT - 4.0,
        TOP + 9.0
    )?;
    let bw = PLOT_W / t.buckets.max(1) as f64;
    let mut stacked = vec![0u64; t.buckets];
    for (i, s) in series.iter().enumerate() {
        writeln!(h, "<g class=\"series\" data-errno=\"{}\">", esc(&s.errno))?;
        for (b, &c) in s.counts.iter().enumerate().take(t.buckets) {
            if c == 0 {
                continue;
            }
            let y0 = base - stacked[b] as f64 / peak as f64 * PLOT_H;
            let hgt = c as f64 / peak as f64 * PLOT_H;
            stacked[b] += c;
            let from = t.bucket_start_ns(b);
            writeln!(
                h,
                "<rect class=\"s{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{hgt:.1}\"><title>{}</title></rect>",
                i % SERIES_COLOURS,
                axis.x(from) + 0.25,
                y0 - hgt,
                (bw - 0.5).max(0.5),
                esc(&format!(
                    "{}: {c} between {} and {}",
                    s.errno,
                    at(from),
                    at(from.saturating_add(t.bucket_ns))
                ))
            )?;
        }
        writeln!(h, "</g>")?;
    }
    writeln!(h, "<g class=\"legend\">")?;
    for (i, s) in series.iter().enumerate() {
        let y = base + 28.0 + KEY_H * i as f64;
        let expected = match s.expected {
            0 => String::new(),
            n if n == s.total => ", all expected".to_owned(),
            n => format!(", {n} expected"),
        };
        writeln!(
            h,
            "<g class=\"key\" transform=\"translate({LEFT} {y:.1})\"><rect class=\"s{}\" width=\"10\" height=\"10\" y=\"-9\"/><text x=\"16\">{} {}{}</text></g>",
            i % SERIES_COLOURS,
            esc(&s.errno),
            s.total,
            esc(&expected)
        )?;
    }
    writeln!(h, "</g>")?;
    writeln!(h, "</svg>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_labelled_for_people() {
        assert_eq!(tick_step(144_000_000, 6), 50_000_000);
        let (step, t) = ticks(144_000_000, 6);
        assert_eq!(t, [0, 50_000_000, 100_000_000]);
        let labels: Vec<String> = t
            .iter()
            .map(|&n| tick_label(n, step, 100_000_000))
            .collect();
        assert_eq!(labels, ["0", "50 ms", "100 ms"]);
        let (step, t) = ticks(2_560_000_000, 6);
        assert_eq!(step, 500_000_000);
        let end = *t.last().unwrap();
        let labels: Vec<String> = t.iter().map(|&n| tick_label(n, step, end)).collect();
        assert_eq!(labels, ["0", "0.5 s", "1.0 s", "1.5 s", "2.0 s", "2.5 s"]);
        let (step, t) = ticks(800_000, 4);
        assert_eq!(tick_label(t[1], step, *t.last().unwrap()), "200 us");
        assert!(ticks(u64::MAX, 4).1.len() <= 5, "no overflow");
        assert_eq!(tick_step(0, 0), 1);
    }
}
