use softcall::rtp::recording::{CallRecorder, FLUSH_EVERY_FRAMES};

fn read_stereo(path: &std::path::Path) -> (Vec<i16>, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).expect("recording readable");
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    let left = samples.iter().step_by(2).copied().collect();
    let right = samples.iter().skip(1).step_by(2).copied().collect();
    (left, right)
}

#[test]
fn channels_hold_remote_left_and_sent_right() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    let remote = super::tone(400.0, 6000.0, 0.5);
    let sent = super::tone(1000.0, 6000.0, 0.5);
    let mut rec = CallRecorder::create(&path).unwrap();
    for (r, s) in remote.iter().zip(&sent) {
        rec.write(r, s).unwrap();
    }
    assert_eq!(rec.frames(), 25);
    rec.finish().unwrap();
    let (left, right) = read_stereo(&path);
    assert_eq!(left.len(), 4000);
    assert_eq!(left, remote.concat());
    assert_eq!(right, sent.concat());
}

#[test]
fn a_crash_keeps_everything_up_to_the_last_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.wav");
    let remote = super::tone(400.0, 6000.0, 1.4);
    let mut rec = CallRecorder::create(&path).unwrap();
    for r in &remote {
        rec.write(r, &[0; super::N]).unwrap();
    }
    // Simulate a crash: the writer is never finalised or dropped.
    std::mem::forget(rec);
    let (left, _) = read_stereo(&path);
    assert_eq!(
        left.len(),
        FLUSH_EVERY_FRAMES as usize * super::N,
        "one second survives"
    );
    assert_eq!(left, remote.concat()[..left.len()]);
}

#[test]
fn unwritable_path_names_the_file() {
    let err =
        CallRecorder::create(std::path::Path::new("/nonexistent-dir/x/call.wav")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("/nonexistent-dir/x/call.wav"), "{text}");
    assert!(text.contains("writable"), "{text}");
}
