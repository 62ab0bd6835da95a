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

/// The CPUs this test may run on (sockwhy, started from it, inherits the mask).
fn usable_cpus() -> Vec<usize> {
    let set = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0)).unwrap();
    (0..nix::sched::CpuSet::count())
        .filter(|&c| set.is_set(c).unwrap_or(false))
        .collect()
}

/// The --stats line about the waits for the next stop, for a ping-pong traced with `opts`.
fn spin_line(opts: &[&str]) -> String {
    spin_line_of(sockwhy().arg("--stats").args(opts))
}

/// The --stats line about the waits of `cmd` (sockwhy with its options) tracing a
/// ping-pong.
fn spin_line_of(cmd: &mut std::process::Command) -> String {
    let o = run(cmd.arg("--").arg(tracee()).args(["pingpong", "300"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    e.lines()
        .find(|l| l.contains("waits awake for the next stop"))
        .unwrap_or_else(|| panic!("no line about the waits in {e}"))
        .to_owned()
}

/// The waits awake for the next stop (`--spin`) are made, and counted, on a machine with
/// CPUs to spare, and never when turned off or on one CPU. How many catch a stop depends on
/// timing, so only that they were tried is checked; that they pay is for bench/run.sh.
#[test]
fn waits_for_the_next_stop_are_counted_and_off_when_they_cannot_help() {
    let on = spin_line(&[]);
    let cpus = usable_cpus();
    if cpus.len() >= 2 {
        let n = |what: &str| -> u64 {
            let (before, _) = on
                .split_once(what)
                .unwrap_or_else(|| panic!("no `{what}` in {on}"));
            before.rsplit(' ').next().unwrap().parse().unwrap()
        };
        assert!(on.contains("(up to 20 us)"), "{on}");
        assert!(n(" caught one") + n(" found none") > 0, "{on}");
    } else {
        assert!(on.contains(": off"), "one CPU: {on}");
    }
    for opts in [&["--spin", "0"][..], &["--same-cpu"]] {
        let off = spin_line(opts);
        assert!(off.contains(": off"), "{opts:?}: {off}");
    }
    // Allowed one CPU (taskset, of util-linux: on every Debian): the wait would only keep
    // the tracee from it.
    let sockwhy_bin = sockwhy().get_program().to_owned();
    let one = spin_line_of(
        std::process::Command::new("taskset")
            .args(["-c", &cpus[0].to_string()])
            .arg(sockwhy_bin)
            .arg("--stats"),
    );
    assert!(one.contains(": off"), "on one CPU: {one}");
}

/// A program that makes a few calls now and then (a failing connect every 50 ms) costs the
/// tracer little CPU between them: each wait for the next stop ends at its bound, and the
/// tracer then sleeps. A wait that did not end would cost a whole CPU.
#[test]
fn a_program_quiet_between_calls_costs_the_tracer_little_cpu() {
    let dir = tempdir("quiet-cpu");
    let pidf = dir.join("loop.pid");
    let child = sockwhy()
        .args(["-o", "/dev/null", "--"])
        .arg(tracee())
        .arg("loop")
        .arg(&pidf)
        .spawn()
        .unwrap();
    let child = Reaped(child);
    read_line_file(&pidf);
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .unwrap()
        .unwrap() as u64;
    let before = cpu_ticks(child.0.id());
    let t = std::time::Instant::now();
    std::thread::sleep(std::time::Duration::from_secs(1));
    let used = cpu_ticks(child.0.id()) - before;
    let elapsed_ticks = t.elapsed().as_secs_f64() * hz as f64;
    // About 20 failing connects, each probed and explained: a few ms of CPU here. Allow a
    // quarter of the time for a busy test machine.
    assert!(
        (used as f64) < elapsed_ticks / 4.0,
        "sockwhy used {used} of {elapsed_ticks:.0} ticks while the program was mostly asleep"
    );
}
