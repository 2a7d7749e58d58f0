//! Verification performance against the embedded sandbox with 100 ms injected latency per
//! request (a PSA is 100–500 ms away). For each built-in wizard it prints a full `verify_all`'s
//! wall time (also in round trips of 100 ms), requests made, distinct endpoints and the request
//! budget (2 × distinct + 5), the sandbox's peak in flight (any request, and per Autotask
//! endpoint), for the default plan and the plan with a 24- and an 8-request cap (median of 3 runs each),
//! and the same plan one request at a time. Then the peak RSS of the real `psa-onboard check` binary for a full run
//! (via `/usr/bin/time`). Figures and commands are recorded in docs/PERFORMANCE.md.
//!
//! Run: `cargo bench --bench verify` (or `cargo bench --bench verify --profile dev`, which
//! reuses the test build; the verification is network-bound either way).

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use psa_onboard::psa::http::{DEFAULT_MAX_IN_FLIGHT, HttpConfig};
use psa_onboard::verify::{VerifyOptions, verify_all};
#[path = "../tests/common/mod.rs"]
mod common;
use common::check;
use common::sandbox::{configured_with_latency, connection};
use common::wizards::wizard;

const LATENCY: Duration = Duration::from_millis(100);
const WIZARDS: [&str; 4] = [
    "topleft-autotask",
    "tasky-autotask",
    "rewst-autotask",
    "topleft-connectwise",
];

/// `runs` full verifications with `max_in_flight`; the row of the median wall time.
async fn measure(id: &str, max_in_flight: usize, runs: usize, latency: Duration) -> String {
    let mut rows = Vec::new();
    for _ in 0..runs {
        rows.push(measure_once(id, max_in_flight, latency).await);
    }
    rows.sort_by_key(|(wall, _)| *wall);
    rows.swap_remove(rows.len() / 2).1
}

/// One full verification with `max_in_flight`, measured from the sandbox's side.
async fn measure_once(id: &str, max_in_flight: usize, latency: Duration) -> (Duration, String) {
    let w = wizard(id);
    let sb = configured_with_latency(id, latency).await;
    let opts = VerifyOptions {
        http: HttpConfig {
            max_in_flight,
            ..HttpConfig::default()
        },
        ..VerifyOptions::default()
    };
    let conn = connection(&sb, &w);
    let start = Instant::now();
    let report = verify_all(&w, &conn, &opts).await;
    let wall = start.elapsed();
    assert!(report.ok, "{id} should verify cleanly");
    let reqs = sb.requests();
    let distinct: BTreeSet<(String, String)> = reqs
        .iter()
        .map(|r| (r.method.clone(), r.path.to_ascii_lowercase()))
        .collect();
    let peak = sb.peak_in_flight();
    let per_endpoint = peak
        .autotask
        .values()
        .max()
        .map(|n| n.to_string())
        .unwrap_or_else(|| "-".into());
    if std::env::var_os("VERIFY_BENCH_REQUESTS").is_some() {
        for r in &reqs {
            eprintln!("  {id} {} {}", r.method, r.path);
        }
    }
    // At zero latency there are no round trips to count: the wall time is CPU (client and
    // sandbox both), shown as "-".
    let round_trips = if latency.is_zero() {
        "-".to_string()
    } else {
        format!("{:.2}", wall.as_secs_f64() / latency.as_secs_f64())
    };
    let row = format!(
        "{id:<20} {max_in_flight:>4} {:>7} {round_trips:>5} {:>5} {:>5} {:>6} {per_endpoint:>8} {:>5}",
        wall.as_millis(),
        reqs.len(),
        distinct.len(),
        2 * distinct.len() + 5,
        peak.total,
    );
    (wall, row)
}

/// Peak RSS (KiB) of `psa-onboard check --wizard id` for a full run, via GNU time.
async fn check_rss(id: &str) -> Result<(u64, Duration), String> {
    let w = wizard(id);
    let sb = configured_with_latency(id, LATENCY).await;
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "%M", "--"])
        .arg(env!("CARGO_BIN_EXE_psa-onboard"))
        .args(["check", "--wizard", id, "--format", "json"])
        .env(
            "PSA_ONBOARD_WIZARD_DIR",
            "/nonexistent-psa-onboard-bench-dir",
        );
    check::sandbox_env(&mut cmd, &sb, w.psa, &sb.credentials());
    let start = Instant::now();
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot run /usr/bin/time (install GNU time): {e}"))?;
    let wall = start.elapsed();
    if out.status.code() != Some(0) {
        return Err(format!(
            "check exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kib = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| format!("no RSS figure from /usr/bin/time: {stderr}"))?;
    Ok((kib, wall))
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "verify_all with {} ms sandbox latency; cap = requests in flight per run ({} is the default); \
median of 3 runs (cap 1: one run)",
        LATENCY.as_millis(),
        DEFAULT_MAX_IN_FLIGHT
    );
    println!(
        "{:<20} {:>4} {:>7} {:>5} {:>5} {:>5} {:>6} {:>8} {:>5}",
        "wizard", "cap", "wall_ms", "RT", "reqs", "dist", "budget", "peak/ep", "peak"
    );
    rt.block_on(async {
        for id in WIZARDS {
            // Median of 3 for the concurrent plans; the one-at-a-time baseline once.
            // 24: what a larger default cap would give (the Autotask plans read up to 21 at once
            // after the sign-in, at most 2 per endpoint).
            for (cap, runs) in [(DEFAULT_MAX_IN_FLIGHT, 3), (24, 3), (8, 3), (1, 1)] {
                println!("{}", measure(id, cap, runs, LATENCY).await);
            }
        }
        println!();
        println!(
            "the same with no latency: the CPU cost of a run (client and sandbox, one process)"
        );
        for id in WIZARDS {
            println!(
                "{}",
                measure(id, DEFAULT_MAX_IN_FLIGHT, 3, Duration::ZERO).await
            );
        }
        println!();
        println!("peak RSS of `psa-onboard check` (this build) for a full run, 100 ms latency");
        for id in WIZARDS {
            match check_rss(id).await {
                Ok((kib, wall)) => println!(
                    "{id:<20} {:>6.1} MiB  ({} ms wall = {:.2} RT, process start included)",
                    kib as f64 / 1024.0,
                    wall.as_millis(),
                    wall.as_secs_f64() / LATENCY.as_secs_f64()
                ),
                Err(e) => println!("{id:<20} n/a: {e}"),
            }
        }
    });
}
