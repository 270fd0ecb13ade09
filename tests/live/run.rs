//! `softcall campaign run` as a campaign manager runs it: the real process dials debtors of a store through the
//! scheduler and talks to `softcall phone`; Ctrl-C ends the call in progress politely; a SIGKILL mid-call and
//! a restart dial nobody twice and lose no stored outcome.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use softcall::phone::{Phone, PhoneConfig, PhoneHandle, ScenarioBook};
use softcall::store::Store;

use super::{models_present, repo};
use crate::sip::port_block;

/// A campaign in a temporary folder: the store, its debtors, the campaign file and the phones' scenarios.
struct Campaign {
    dir: tempfile::TempDir,
}

impl Campaign {
    /// Debtors `(id, phone, scenario YAML)`; every first call is due now, retries wait an hour.
    fn new(debtors: &[(&str, &str, &str)]) -> Campaign {
        let dir = tempfile::tempdir().expect("temp dir");
        let phones = dir.path().join("phones");
        std::fs::create_dir_all(&phones).expect("phones folder");
        let mut csv = String::from(
            "external id,full name,phone,time zone,amount due,currency,days overdue,creditor\n",
        );
        for (id, phone, scenario) in debtors {
            csv.push_str(&format!(
                "{id},Pat Doe,{phone},{},100.00,USD,3,Acme Credit\n",
                zone()
            ));
            std::fs::write(phones.join(format!("{phone}.yaml")), scenario).expect("scenario");
        }
        std::fs::write(dir.path().join("debtors.csv"), csv).expect("list");
        std::fs::write(
            dir.path().join("campaign.yaml"),
            "name: run-test\nlimits: { concurrency: 4, calls_per_second: 4 }\nsegments:\n  - name: all\n    ladder:\n      \
             - day: 1\n        call: soft_collection_en\n        retry: { no_answer: 1h, busy: 1h, max_per_day: 3, max_attempts: 3 }\n",
        )
        .expect("campaign file");
        let c = Campaign { dir };
        let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
            .args([
                "import",
                "debtors",
                "--campaign",
                "run-test",
                "--db",
                &c.db(),
            ])
            .arg(c.path("debtors.csv"))
            .current_dir(repo(""))
            .output()
            .expect("softcall import runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        c
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn db(&self) -> String {
        format!("sqlite://{}", self.path("softcall.db").display())
    }

    async fn phone(&self) -> PhoneHandle {
        let rtp = port_block(8);
        Phone::start(PhoneConfig {
            bind: "127.0.0.1:0".parse().expect("loopback"),
            scenarios: ScenarioBook::load(&self.path("phones")).expect("scenarios load"),
            rtp_ports: rtp..=rtp + 7,
            record_dir: None,
            report_dir: None,
        })
        .await
        .expect("phone starts")
    }

    /// Starts `softcall campaign run` against the phone, running on to `until` when given.
    fn run(&self, phone: &PhoneHandle, until: Option<chrono::DateTime<chrono::Utc>>) -> Child {
        let rtp = port_block(8);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_softcall"));
        cmd.args([
            "campaign",
            "run",
            "--campaign",
            "run-test",
            "--profile",
            "us-regf",
        ])
        .args(["--db", &self.db(), "--bind", "127.0.0.1:0", "--json"])
        .arg("--strategy")
        .arg(self.path("campaign.yaml"))
        .args(["--dial", &format!("sip:{{phone}}@{}", phone.addr)])
        .args(["--rtp-ports", &format!("{rtp}-{}", rtp + 7)]);
        if let Some(until) = until {
            cmd.args(["--until", &until.to_rfc3339()]);
        }
        cmd.current_dir(repo(""))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("softcall campaign run starts")
    }

    async fn store(&self) -> Store {
        Store::open(&self.db()).await.expect("store opens")
    }
}

/// A fixed-offset zone where it is early afternoon now.
fn zone() -> String {
    use chrono::Timelike;
    let hour = i64::from(chrono::Utc::now().hour());
    match (14 - hour + 36).rem_euclid(24) - 12 {
        0 => "Etc/UTC".into(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

fn signal(child: &Child, sig: i32) {
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) on a child process id we own.
    let r = unsafe { libc::kill(pid, sig) };
    assert_eq!(r, 0, "signal {sig} delivered");
}

/// Waits for the process to exit (bounded) and returns its status, stdout and stderr.
fn finish(mut child: Child, limit: Duration) -> (std::process::ExitStatus, String, String) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let out = child.wait_with_output().expect("output");
            return (
                status,
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "campaign run did not end within {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until the store shows `n` attempts (calls placed), bounded.
async fn attempts_at_least(store: &Store, debtors: &[&str], n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut count = 0;
        for id in debtors {
            let d = store.debtor_id(id).await.expect("debtor");
            count += store.history(d).await.expect("history").attempts.len();
        }
        if count >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {count} of {n} calls placed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

const LISTENS_LONG: &str = "ring_ms: 200\nsteps:\n  - keys: \"1\"\nend: wait_bye\n";

/// Runs a one-debtor campaign whose debtor confirms identity by key and then listens, presses Ctrl-C once per
/// entry of `presses` (each after its pause) while the robot talks, and checks what every stop must give: a clean
/// exit, no new call, the call stored as `callback` with end reason `stopped`. Returns stderr and the report.
async fn stopped_mid_conversation(
    debtor: (&str, &str),
    presses: &[Duration],
) -> (String, serde_json::Value) {
    let c = Campaign::new(&[(debtor.0, debtor.1, LISTENS_LONG)]);
    let phone = c.phone().await;
    let store = c.store().await;
    let child = c.run(&phone, None);
    attempts_at_least(&store, &[debtor.0], 1).await;
    // Into the conversation: the machine check found nobody talking, the greeting played, the identity was
    // confirmed by the key and the robot is talking.
    tokio::time::sleep(Duration::from_secs(24)).await;
    let mut pressed = Instant::now();
    for pause in presses {
        tokio::time::sleep(*pause).await;
        pressed = Instant::now();
        signal(&child, libc::SIGINT);
    }
    let (status, stdout, stderr) =
        tokio::task::spawn_blocking(move || finish(child, Duration::from_secs(90)))
            .await
            .expect("join");
    eprintln!(
        "the run ended {:.1} s after the last Ctrl-C",
        pressed.elapsed().as_secs_f64()
    );
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("stopping: no new calls"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("summary JSON");
    assert_eq!(summary["end"], "stopped", "{summary:#}");
    assert_eq!(summary["tally"]["dialled"], 1);
    let d = store.debtor_id(debtor.0).await.expect("debtor");
    let history = store.history(d).await.expect("history");
    assert_eq!(history.attempts.len(), 1, "no new call after Ctrl-C");
    let attempt = &history.attempts[0];
    assert_eq!(attempt.state.as_str(), "done", "{attempt:?}");
    assert_eq!(
        attempt.outcome.map(|o| o.as_str()),
        Some("callback"),
        "identity was confirmed"
    );
    let report = std::fs::read_to_string(
        summary["tally"]["calls"][0]["report"]
            .as_str()
            .expect("report path"),
    )
    .expect("report file");
    let report: serde_json::Value = serde_json::from_str(&report).expect("report JSON");
    assert_eq!(report["report"]["end_reason"], "stopped");
    phone.stop().await;
    (stderr, report)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_ends_the_call_in_progress_politely_and_stores_it() {
    if !models_present() {
        return;
    }
    let (_, report) = stopped_mid_conversation(("R-1", "+15550101001"), &[Duration::ZERO]).await;
    let last_robot = super::robot_lines(&report).pop().unwrap_or_default();
    assert!(
        last_robot.contains("we have to end this call now"),
        "the debtor heard the goodbye: {last_robot}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_ctrl_c_ends_the_call_at_once_and_still_stores_it() {
    if !models_present() {
        return;
    }
    // The robot is still finishing its prompt, before the goodbye, when the second Ctrl-C comes.
    let (stderr, report) = stopped_mid_conversation(
        ("R-2", "+15550101002"),
        &[Duration::ZERO, Duration::from_millis(300)],
    )
    .await;
    assert!(
        stderr.contains("ending the calls in progress now"),
        "{stderr}"
    );
    let stopped_at_once = report["report"]["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .any(|e| e["event"] == "stopped" && e["detail"] == "at once");
    assert!(stopped_at_once, "{:#}", report["report"]["timeline"]);
    let finished_goodbye = report["report"]["transcript"]
        .as_array()
        .expect("transcript")
        .iter()
        .any(|l| {
            l["text"]
                .as_str()
                .is_some_and(|t| t.contains("we have to end this call now"))
                && l["interrupted"] == false
                && !l["end_ms"].is_null()
        });
    assert!(!finished_goodbye, "the goodbye was not played to its end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_restarts_without_dialling_anyone_twice_or_losing_an_outcome() {
    if !models_present() {
        return;
    }
    let c = Campaign::new(&[
        ("K-1", "+15550102001", "answer: busy\n"),
        ("K-2", "+15550102002", LISTENS_LONG),
        ("K-3", "+15550102003", LISTENS_LONG),
    ]);
    let phone = c.phone().await;
    let store = c.store().await;
    let child = c.run(&phone, None);
    attempts_at_least(&store, &["K-1", "K-2", "K-3"], 3).await;
    let busy = store.debtor_id("K-1").await.expect("debtor");
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.history(busy).await.expect("history").attempts[0]
        .state
        .as_str()
        != "done"
    {
        assert!(Instant::now() < deadline, "the busy call is stored");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    signal(&child, libc::SIGKILL);
    let _ = tokio::task::spawn_blocking(move || finish(child, Duration::from_secs(10))).await;

    // The restart resolves the two calls the kill left in flight and dials nobody again: it runs on for
    // 15 s while the lost calls' retry interval (an hour) holds them.
    let until = chrono::Utc::now() + chrono::Duration::seconds(15);
    let restarted = c.run(&phone, Some(until));
    let (status, stdout, stderr) =
        tokio::task::spawn_blocking(move || finish(restarted, Duration::from_secs(90)))
            .await
            .expect("join");
    assert!(status.success(), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).expect("summary JSON");
    assert_eq!(summary["tally"]["dialled"], 0, "{summary:#}");
    assert!(stderr.contains("2 calls left in flight"), "{stderr}");
    let h = store.history(busy).await.expect("history");
    assert_eq!(h.attempts.len(), 1);
    assert_eq!(
        h.attempts[0].outcome.map(|o| o.as_str()),
        Some("busy"),
        "the stored outcome is kept"
    );
    for id in ["K-2", "K-3"] {
        let d = store.debtor_id(id).await.expect("debtor");
        let h = store.history(d).await.expect("history");
        assert_eq!(h.attempts.len(), 1, "{id} was dialled once");
        assert_eq!(
            h.attempts[0].state.as_str(),
            "unknown",
            "{id}: {:?}",
            h.attempts[0]
        );
    }
    phone.stop().await;
}
