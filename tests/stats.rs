//! `--stats`: the cost of tracing, measured on a real traced program.

mod common;

use common::*;

#[test]
fn stats_show_the_stopped_time_of_every_reported_call() {
    let o = run(sockwhy()
        .arg("--stats")
        .arg("--")
        .arg(tracee())
        .args(["pingpong", "300"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    let total: u64 = e
        .lines()
        .find(|l| l.split_whitespace().next() == Some("total"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no total row in {e}"));
    // 300 round trips: 600 reads and 600 writes, and the socketpair.
    assert_eq!(total, 1201, "{e}");
    let head = e
        .lines()
        .find(|l| l.contains("time the tracee spent stopped per reported call"))
        .unwrap_or_else(|| panic!("no stopped-time histogram in {e}"));
    assert!(head.contains(&format!(": {total} calls,")), "{head}");
    // The histogram rows (`LO us - HI us  COUNT  PCT% ###`) add up to every reported call.
    let rows: u64 = e
        .lines()
        .skip_while(|l| !l.contains("time the tracee spent stopped"))
        .skip(1)
        .take_while(|l| l.contains(" us - "))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f[1], "us", "{l}");
            let lo: u64 = f[0].parse().unwrap();
            let hi: u64 = f[3].parse().unwrap();
            assert!(hi == 1 || hi == 2 * lo, "log2 bucket {l}");
            f[5].parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(rows, total, "{e}");
}
