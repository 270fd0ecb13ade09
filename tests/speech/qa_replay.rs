//! `softcall qa replay` results that can be reproduced: a file's result does not depend on the files replayed
//! before it, and a call recording is replayed from the side asked for (the debtor's by default).

use super::{available, config, fixture, root};
use std::path::Path;
use std::process::Command;

/// Runs `softcall qa replay <path> --json [extra]` and returns the report.
fn replay_json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
        .current_dir(root())
        .args(["qa", "replay"])
        .arg(path)
        .args(["--json", "--lang", "ko"])
        .args(extra)
        .output()
        .expect("softcall runs");
    assert!(
        out.status.success(),
        "qa replay {} {extra:?}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// The utterances (text, times, words) of each file in a report, by file name.
fn by_name(report: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let mut files: Vec<(String, serde_json::Value)> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let name = Path::new(f["file"].as_str().expect("file name"))
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            (name, f["utterances"].clone())
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

#[test]
fn replaying_a_folder_forwards_and_backwards_gives_the_same_per_file_results() {
    if !available(&config().language(Some("ko")).unwrap().asr_model) {
        return;
    }
    let source = fixture("ko");
    let mut clips: Vec<String> = std::fs::read_dir(&source)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter_map(|n| n.strip_suffix(".wav").map(str::to_string))
        .collect();
    clips.sort();
    assert!(clips.len() >= 4, "{clips:?}");
    // The same clips in two folders whose names sort in opposite orders; the file names keep the clip name.
    let dir = tempfile::tempdir().unwrap();
    let results: Vec<Vec<(String, serde_json::Value)>> = [false, true]
        .into_iter()
        .map(|backwards| {
            let folder = dir
                .path()
                .join(if backwards { "backwards" } else { "forwards" });
            std::fs::create_dir(&folder).unwrap();
            for (i, clip) in clips.iter().enumerate() {
                let rank = if backwards { clips.len() - i } else { i + 1 };
                for ext in ["wav", "txt", "json"] {
                    let from = source.join(format!("{clip}.{ext}"));
                    if from.exists() {
                        std::fs::copy(&from, folder.join(format!("{rank:02}-{clip}.{ext}")))
                            .unwrap();
                    }
                }
            }
            let mut files: Vec<(String, serde_json::Value)> = by_name(&replay_json(&folder, &[]))
                .into_iter()
                .map(|(name, utterances)| (name[3..].to_string(), utterances))
                .collect();
            files.sort_by(|a, b| a.0.cmp(&b.0));
            files
        })
        .collect();
    let (forwards, backwards) = (&results[0], &results[1]);
    assert_eq!(forwards.len(), clips.len());
    assert!(
        forwards
            .iter()
            .any(|(_, u)| u.as_array().is_some_and(|u| !u.is_empty())),
        "the clips were heard: {forwards:?}"
    );
    for ((name, f), (_, b)) in forwards.iter().zip(backwards) {
        assert_eq!(f, b, "{name}: forwards and backwards differ");
    }
    // A clip replayed alone gets what it got inside the folder.
    let first = &clips[clips.len() / 2];
    let alone = by_name(&replay_json(&source.join(format!("{first}.wav")), &[]));
    let inside = forwards
        .iter()
        .find(|(n, _)| n == &format!("{first}.wav"))
        .expect("the clip was replayed in the folder");
    assert_eq!(
        alone[0].1, inside.1,
        "{first}: alone and inside the folder differ"
    );
}

/// Writes 8 kHz 16-bit WAV with `channels` interleaved.
fn write_wav(path: &Path, channels: &[&[i16]]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

#[test]
fn qa_replay_channel_defaults_to_the_debtor_side_of_a_call_recording() {
    if !available(&config().language(Some("ko")).unwrap().asr_model) {
        return;
    }
    let read = |name: &str| softcall::audio::wav::read_telephony(&fixture(name)).unwrap();
    let (mut debtor, mut robot) = (read("ko/yes.wav"), read("ko/dont-call.wav"));
    let len = debtor.len().max(robot.len());
    debtor.resize(len, 0);
    robot.resize(len, 0);
    // A recording laid out as softcall records calls (left: the debtor, right: the robot), and each side alone.
    let dir = tempfile::tempdir().unwrap();
    write_wav(&dir.path().join("call.wav"), &[&debtor, &robot]);
    write_wav(&dir.path().join("debtor-alone.wav"), &[&debtor]);
    write_wav(&dir.path().join("robot-alone.wav"), &[&robot]);
    let report = replay_json(dir.path(), &[]);
    let files = by_name(&report);
    let get = |name: &str| files.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_ne!(
        get("debtor-alone.wav"),
        get("robot-alone.wav"),
        "the two sides are told apart by what was heard"
    );
    assert_eq!(
        get("call.wav"),
        get("debtor-alone.wav"),
        "default: the debtor side"
    );
    let call = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("call.wav"))
        .unwrap();
    assert_eq!(call["channel"], "left");

    let call_wav = dir.path().join("call.wav");
    let robot_side = replay_json(&call_wav, &["--channel", "robot"]);
    assert_eq!(robot_side["files"][0]["channel"], "right");
    assert_eq!(robot_side["files"][0]["utterances"], get("robot-alone.wav"));
    let debtor_side = replay_json(&call_wav, &["--channel", "debtor"]);
    assert_eq!(
        debtor_side["files"][0]["utterances"],
        get("debtor-alone.wav")
    );
    let mix = replay_json(&call_wav, &["--channel", "mix"]);
    assert_eq!(mix["files"][0]["channel"], "mix");
    assert_ne!(mix["files"][0]["utterances"], get("debtor-alone.wav"));

    // A stereo file in another layout (16 kHz float) is mixed unless asked otherwise.
    let other = replay_json(&fixture("formats/hello-16k-float-stereo.wav"), &[]);
    assert_eq!(other["files"][0]["channel"], "mix");
}
