use super::{config, ko_model, root};
use softcall::asr::model::AsrModel;
use softcall::asr::AsrError;
use softcall::audio::wav::read_mono;
use softcall::qa::fixture::Clip;
use softcall::qa::replay::replay_clip;
use softcall::tts::voice::Voice;

fn data(name: &str) -> std::path::PathBuf {
    root().join("tests/data/audio").join(name)
}

#[test]
fn missing_model_names_the_path_and_the_setup_command() {
    let err = AsrModel::load(std::path::Path::new("models/no-such-model")).unwrap_err();
    assert!(matches!(err, AsrError::ModelMissing { .. }));
    let text = err.to_string();
    assert!(
        text.contains("models/no-such-model") && text.contains("scripts/setup"),
        "{text}"
    );

    let err = Voice::load(
        std::path::Path::new("models/piper/xx_XX-none.onnx"),
        &config().espeak_data,
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("models/piper/xx_XX-none.onnx") && text.contains("scripts/setup"),
        "{text}"
    );
}

#[test]
fn folder_that_is_not_a_model_is_rejected_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let err = AsrModel::load(dir.path()).unwrap_err();
    assert!(matches!(err, AsrError::ModelInvalid { .. }), "{err}");
}

#[test]
fn corrupt_and_non_wav_files_give_clear_errors() {
    for name in ["corrupt.wav", "not-a-wav.wav"] {
        let err = read_mono(&data(name)).unwrap_err().to_string();
        assert!(err.contains(name) && err.contains("WAV"), "{err}");
    }
    let Some(_) = ko_model() else { return };
    let clip = Clip {
        wav: data("corrupt.wav"),
        reference: None,
        info: Default::default(),
    };
    assert!(replay_clip(&config(), &clip, Some("ko"), None).is_err());
}

#[test]
fn empty_and_silent_audio_give_empty_results() {
    let Some(_) = ko_model() else { return };
    for name in ["empty.wav", "silence-3s.wav"] {
        let clip = Clip::open(&data(name)).unwrap();
        let result = replay_clip(&config(), &clip, Some("ko"), None).unwrap();
        assert!(
            result.utterances.is_empty(),
            "{name}: {:?}",
            result.utterances
        );
        assert_eq!(
            result.stats.frames_recognised, 0,
            "{name}: silence never reaches the recogniser"
        );
    }
}
