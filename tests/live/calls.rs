//! Whole conversations over SIP between `softcall call --flow` and `softcall phone`.

use super::{
    debtor_lines, frame_levels, models_present, phone_report, repo, robot_call, robot_lines,
    start_phone, timeline,
};
use chrono::{Duration as Days, Utc};

/// The robot's prompt that asks for the debtor's identity, as the English flow says it to the example debtor.
const IDENTITY_QUESTION: &str = "Am I speaking with John Smith?";
/// The greeting is about 9.2 s of speech; this lands inside the identity question that follows it.
const INSIDE_IDENTITY_QUESTION_MS: u64 = 11_000;

fn clip(name: &str) -> String {
    repo("audio-fixtures/barge-in")
        .join(name)
        .display()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_debtor_promises_by_keys_over_a_real_call() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let scenario =
        "ring_ms: 200\nsteps:\n  - keys: \"1\"\n  - keys: \"1\"\n  - keys: \"1\"\nend: wait_bye\n";
    let mut phone = start_phone(scenario, None).await;
    let recording = work.path().join("robot.wav");
    let before = Utc::now()
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive();
    let out = robot_call(phone.addr, &recording, &[]).await;
    let after = Utc::now()
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive();
    let phone_side = phone_report(&mut phone).await;
    phone.stop().await;

    let report = &out["report"];
    assert_eq!(out["telephony"]["outcome"], "answered", "{out:#}");
    assert_eq!(report["outcome"], "promise_to_pay", "{out:#}");
    // Key 1 at the date question takes the full amount by the flow's horizon (7 days ahead in the debtor's zone).
    let date = report["promise"]["date"].as_str().expect("a promise date");
    let horizons = [before + Days::days(7), after + Days::days(7)].map(|d| d.to_string());
    assert!(
        horizons.iter().any(|h| h == date),
        "promise date {date}, expected one of {horizons:?}"
    );
    assert_eq!(report["promise"]["amount"], 1250.5);
    assert_eq!(debtor_lines(&out), ["#1", "#1", "#1"], "{out:#}");
    let path: Vec<&str> = report["path"]
        .as_array()
        .expect("path")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    for node in [
        "ask_identity",
        "ask_date",
        "take_horizon_promise",
        "read_back",
        "record_promise",
    ] {
        assert!(
            path.contains(&node),
            "{node} missing from the path {path:?}"
        );
    }
    assert_eq!(
        report["latency"].as_array().map(Vec::len),
        Some(3),
        "{out:#}"
    );
    assert!(
        report["recognition"]
            .as_str()
            .is_some_and(|r| r.contains("vosk")),
        "the report names the recogniser: {out:#}"
    );
    let promise_records = out["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["record"] == "promise")
        .count();
    assert_eq!(promise_records, 1, "{out:#}");
    assert_eq!(out["rtp"]["audio_frames_dropped"], 0, "{out:#}");
    assert_eq!(phone_side.report.keys_sent, "111");
    let saved = std::path::Path::new(out["saved_in"].as_str().expect("saved_in"));
    let kept: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(saved.join("report.json")).expect("the call's report is saved"),
    )
    .expect("the saved report is JSON");
    assert_eq!(kept["report"]["outcome"], "promise_to_pay");

    // The two-sided recording: the robot spoke on the right for most of the call; the left holds the
    // debtor's line (keys are RFC 4733 events, so it is quiet).
    let robot = frame_levels(&recording, 1);
    let voiced = robot.iter().filter(|l| **l > 300.0).count();
    assert!(
        voiced * 20 > 30_000,
        "at least 30 s of robot speech recorded, got {} ms",
        voiced * 20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn talking_over_a_prompt_stops_it_quickly() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let scenario = format!(
        "ring_ms: 200\nsteps:\n  - at_prompt_ms: {INSIDE_IDENTITY_QUESTION_MS}\n    play: {}\n  - keys: \"2\"\nend: wait_bye\n",
        clip("talk-over-en.wav")
    );
    let mut phone = start_phone(&scenario, None).await;
    let recording = work.path().join("robot.wav");
    let out = robot_call(phone.addr, &recording, &[]).await;
    let _ = phone_report(&mut phone).await;
    phone.stop().await;

    let events = timeline(&out);
    assert!(events.iter().any(|e| e == "barge_in"), "{events:?}");
    let transcript = out["report"]["transcript"].as_array().expect("transcript");
    let identity = transcript
        .iter()
        .find(|l| {
            l["text"]
                .as_str()
                .is_some_and(|t| t.starts_with(IDENTITY_QUESTION))
        })
        .expect("the identity question was said");
    assert_eq!(identity["interrupted"], true, "{identity:#}");
    assert_eq!(out["report"]["outcome"], "wrong_person", "{out:#}");

    // From the recording: the debtor starts talking on the left; the robot's voice on the right must stop
    // once 400 ms of speech were heard, within 100 ms of that (plus a frame or two of VAD onset).
    let debtor = frame_levels(&recording, 0);
    let robot = frame_levels(&recording, 1);
    let onset = debtor
        .iter()
        .position(|l| *l > 300.0)
        .expect("the debtor's speech is on the left channel");
    let stop = (onset..robot.len())
        .find(|&i| robot[i..].iter().take(15).all(|l| *l < 100.0))
        .expect("the robot fell silent after the debtor spoke");
    let stop_ms = (stop - onset) * 20;
    eprintln!("barge-in: robot silent {stop_ms} ms after the debtor started speaking");
    assert!(
        (300..=800).contains(&stop_ms),
        "the robot stopped {stop_ms} ms after speech began (400 ms of speech, then within 100 ms)"
    );
    assert!(debtor_lines(&out).iter().any(|l| l == "#2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cough_a_click_line_noise_and_a_backchannel_do_not_stop_a_prompt() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let scenario = format!(
        "ring_ms: 200\nsteps:\n  - at_prompt_ms: 9700\n    play: {}\n  - after: now\n    wait_ms: 400\n  - after: now\n    play: {}\n  - after: now\n    wait_ms: 400\n  - after: now\n    play: {}\n  - after: now\n    wait_ms: 400\n  - after: now\n    play: {}\n  - keys: \"2\"\nend: wait_bye\n",
        clip("line-noise.wav"),
        clip("cough.wav"),
        clip("click.wav"),
        clip("uh-huh-en.wav"),
    );
    let mut phone = start_phone(&scenario, None).await;
    let recording = work.path().join("robot.wav");
    let out = robot_call(phone.addr, &recording, &[]).await;
    let _ = phone_report(&mut phone).await;
    phone.stop().await;

    // Each sound on its own, 400 ms apart, all inside the interruptible identity question.
    assert_no_prompt_was_cut(&out);
}

/// No barge-in, no prompt cut, and the call went on to the debtor's key 2 (`wrong_person`).
fn assert_no_prompt_was_cut(out: &serde_json::Value) {
    let events = timeline(out);
    assert!(!events.iter().any(|e| e == "barge_in"), "{events:?}");
    let transcript = out["report"]["transcript"].as_array().expect("transcript");
    assert!(
        transcript.iter().all(|l| l["interrupted"] == false),
        "no prompt was cut: {transcript:#?}"
    );
    assert_eq!(out["report"]["outcome"], "wrong_person", "{out:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hiss_right_after_a_backchannel_does_not_stop_a_prompt() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let scenario = format!(
        "ring_ms: 200\nsteps:\n  - at_prompt_ms: 9700\n    play: {}\n  - keys: \"2\"\nend: wait_bye\n",
        clip("uh-huh-then-hiss-en.wav"),
    );
    let mut phone = start_phone(&scenario, None).await;
    let recording = work.path().join("robot.wav");
    let out = robot_call(phone.addr, &recording, &[]).await;
    let _ = phone_report(&mut phone).await;
    phone.stop().await;

    // The WebRTC VAD calls this hiss voiced from its first frame; the noise gate keeps it out of barge-in.
    assert_no_prompt_was_cut(&out);
    // The hiss reached the robot: the left channel of its recording holds 2 s of it.
    let debtor = frame_levels(&recording, 0);
    let hiss = debtor.iter().filter(|l| **l > 300.0).count();
    assert!(
        hiss * 20 >= 1500,
        "{} ms of the debtor's line is loud",
        hiss * 20
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_debtor_hanging_up_mid_prompt_ends_the_call_at_once() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let scenario = "ring_ms: 200\nsteps:\n  - at_prompt_ms: 3000\n    hangup: true\n";
    let mut phone = start_phone(scenario, None).await;
    let recording = work.path().join("robot.wav");
    let out = robot_call(phone.addr, &recording, &[]).await;
    let _ = phone_report(&mut phone).await;
    phone.stop().await;

    let report = &out["report"];
    assert_eq!(report["end_reason"], "remote_hangup", "{out:#}");
    assert_eq!(report["outcome"], "hung_up", "{out:#}");
    assert_eq!(out["telephony"]["ended_by"], "remote", "{out:#}");
    let duration = report["duration_ms"].as_u64().expect("duration");
    assert!(
        (2_500..6_000).contains(&duration),
        "the call lasted {duration} ms"
    );
    let greeting = &robot_lines(&out)[0];
    assert!(
        greeting.starts_with("Hello, this is an automated call"),
        "{greeting}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoken_answers_are_transcribed_by_the_installed_recogniser_and_keys_finish_the_promise() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    // "yes, speaking" in English, then the keys the flow offers: the Korean model installed here cannot
    // understand English, so the robot asks again and the debtor presses 1.
    let scenario = format!(
        "ring_ms: 200\nsteps:\n  - play: {}\n  - keys: \"1\"\n  - keys: \"1\"\n  - keys: \"1\"\nend: wait_bye\n",
        repo("audio-fixtures/amd/hu-en-yes-speaking.wav").display()
    );
    let mut phone = start_phone(&scenario, None).await;
    let recording = work.path().join("robot.wav");
    let out = robot_call(phone.addr, &recording, &[]).await;
    let _ = phone_report(&mut phone).await;
    phone.stop().await;

    let report = &out["report"];
    let recognition = report["recognition"]
        .as_str()
        .expect("recognition is reported");
    assert!(
        recognition.contains("ko model") && recognition.contains("not expected to be understood"),
        "the report says plainly which model heard the debtor: {recognition}"
    );
    // What the recogniser made of the English answer is in the transcript as it was heard (or, when it
    // heard no words, the timeline says so); it is never replaced by what the clip says.
    let events = timeline(&out);
    let heard: Vec<String> = debtor_lines(&out)
        .into_iter()
        .filter(|l| !l.starts_with('#'))
        .collect();
    assert!(
        !heard.is_empty() || events.iter().any(|e| e == "heard_nothing"),
        "the spoken answer left a trace: {out:#}"
    );
    assert!(heard.iter().all(|l| l != "yes speaking"), "{heard:?}");
    eprintln!("the recogniser heard {heard:?} for \"yes, speaking\"");
    assert_eq!(report["outcome"], "promise_to_pay", "{out:#}");
}
