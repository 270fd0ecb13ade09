use softcall::rtp::g711::{alaw_decode, alaw_encode, ulaw_decode, ulaw_encode, Codec};

#[test]
fn ulaw_known_values() {
    assert_eq!(ulaw_encode(0), 0xFF);
    assert_eq!(ulaw_decode(0xFF), 0);
    assert_eq!(ulaw_decode(0x7F), 0);
    assert_eq!(ulaw_decode(0x00), -32124);
    assert_eq!(ulaw_decode(0x80), 32124);
    assert_eq!(ulaw_decode(0x7E), -8);
    assert_eq!(ulaw_decode(0xFE), 8);
    assert_eq!(ulaw_encode(i16::MAX), 0x80);
    assert_eq!(ulaw_encode(i16::MIN), 0x00);
    assert_eq!(ulaw_encode(-8), 0x7E);
    assert_eq!(ulaw_encode(8), 0xFE);
}

#[test]
fn alaw_known_values() {
    assert_eq!(alaw_encode(0), 0xD5);
    assert_eq!(alaw_decode(0xD5), 8);
    assert_eq!(alaw_decode(0x55), -8);
    assert_eq!(alaw_decode(0xAA), 32256);
    assert_eq!(alaw_decode(0x2A), -32256);
    assert_eq!(alaw_decode(0x00), -5504);
    assert_eq!(alaw_decode(0x80), 5504);
    assert_eq!(alaw_encode(i16::MAX), 0xAA);
    assert_eq!(alaw_encode(i16::MIN), 0x2A);
    assert_eq!(alaw_encode(-1), 0xD5, "rounds to zero");
    assert_eq!(alaw_encode(-8), 0x55);
}

/// G.711 digital milliwatt (a 1 kHz, 0 dBm0 sine at 8 kHz): the eight-code sequences of Tables 5 and 6
/// decode to the symmetric sine pattern a, b, b, a, -a, -b, -b, -a.
#[test]
fn digital_milliwatt_decodes_to_a_sine() {
    for (codec, codes) in [
        (
            Codec::Pcmu,
            [0x1E, 0x0B, 0x0B, 0x1E, 0x9E, 0x8B, 0x8B, 0x9E],
        ),
        (
            Codec::Pcma,
            [0x34, 0x21, 0x21, 0x34, 0xB4, 0xA1, 0xA1, 0xB4],
        ),
    ] {
        let s: Vec<i16> = codes.iter().map(|&c| codec.decode_sample(c)).collect();
        assert_eq!(s[0], s[3], "{codec:?}");
        assert_eq!(s[1], s[2], "{codec:?}");
        assert_eq!(s[4], -s[0], "{codec:?}");
        assert_eq!(s[5], -s[1], "{codec:?}");
        let (a, b) = (s[0].unsigned_abs() as f64, s[1].unsigned_abs() as f64);
        // sin(22.5°) : sin(67.5°) within quantisation, peak near 0 dBm0 (≈ 22.7k for μ-law, A-law).
        assert!((a / b - 0.4142).abs() < 0.03, "{codec:?} ratio {}", a / b);
        let peak = b / (67.5f64).to_radians().sin();
        assert!(
            (21_000.0..24_500.0).contains(&peak),
            "{codec:?} peak {peak}"
        );
        for (i, &code) in codes.iter().enumerate() {
            assert_eq!(codec.encode_sample(s[i]), code, "{codec:?} re-encodes");
        }
    }
}

#[test]
fn every_code_round_trips_and_decoding_is_monotonic() {
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let mut levels: Vec<i16> = (0..=255u8).map(|c| codec.decode_sample(c)).collect();
        for code in 0..=255u8 {
            let linear = codec.decode_sample(code);
            let again = codec.decode_sample(codec.encode_sample(linear));
            assert_eq!(again, linear, "{codec:?} code {code:#04x}");
        }
        levels.sort();
        levels.dedup();
        assert!(
            levels.len() >= 255,
            "{codec:?} distinct levels {}",
            levels.len()
        );
    }
}

#[test]
fn quantisation_error_is_within_the_segment_step() {
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let mut previous_code_level = i16::MIN;
        for x in (i16::MIN..=i16::MAX).step_by(7) {
            let y = codec.decode_sample(codec.encode_sample(x));
            let error = (x as i32 - y as i32).abs();
            // The step grows with the segment: at most 1/16 of the magnitude plus the smallest step.
            let bound = (x as i32).abs() / 16 + 16;
            assert!(
                error <= bound,
                "{codec:?} {x} -> {y} error {error} > {bound}"
            );
            // Encoding is monotonic: larger inputs never decode smaller.
            assert!(y >= previous_code_level, "{codec:?} monotonic at {x}");
            previous_code_level = y;
        }
    }
}

#[test]
fn frames_and_names() {
    let frame = super::tone(440.0, 8000.0, 0.02)[0];
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let payload = codec.encode_frame(&frame);
        let mut out = Vec::new();
        codec.decode_into(&payload, &mut out);
        assert_eq!(out.len(), super::N);
        assert!(super::tone_share(&out, 440.0) > 0.9);
        assert_eq!(Codec::from_payload_type(codec.payload_type()), Some(codec));
        assert_eq!(Codec::from_name(&codec.name().to_lowercase()), Some(codec));
    }
    assert_eq!(Codec::Pcmu.payload_type(), 0);
    assert_eq!(Codec::Pcma.payload_type(), 8);
    assert_eq!(Codec::from_payload_type(18), None);
}

/// Runs sox (an independent G.711 implementation) on raw audio, or reports why it cannot.
fn sox(input: &[u8], from: &[&str], to: &[&str]) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let (src, dst) = (dir.path().join("in.raw"), dir.path().join("out.raw"));
    std::fs::write(&src, input).unwrap();
    let status = std::process::Command::new("sox")
        .args(["-D", "-V1", "-t", "raw", "-r", "8000", "-c", "1"])
        .args(from)
        .arg(&src)
        .args(["-t", "raw"])
        .args(to)
        .arg(&dst)
        .status();
    match status {
        Ok(s) if s.success() => Some(std::fs::read(&dst).unwrap()),
        Ok(s) => panic!("sox failed: {s}"),
        Err(_) => {
            crate::skip::missing("sox not installed (apt-get install sox)");
            None
        }
    }
}

#[test]
fn tables_match_sox_for_every_sample_and_code() {
    let all: Vec<u8> = (i16::MIN..=i16::MAX)
        .flat_map(|s| s.to_le_bytes())
        .collect();
    let codes: Vec<u8> = (0..=255u8).collect();
    for (codec, encoding) in [(Codec::Pcmu, "u-law"), (Codec::Pcma, "a-law")] {
        let Some(encoded) = sox(
            &all,
            &["-e", "signed", "-b", "16"],
            &["-e", encoding, "-b", "8"],
        ) else {
            return;
        };
        assert_eq!(encoded.len(), 65536);
        let mismatches = (i16::MIN..=i16::MAX)
            .zip(&encoded)
            .filter(|(s, &code)| codec.encode_sample(*s) != code)
            .count();
        assert_eq!(mismatches, 0, "{codec:?} encoding differs from sox");
        let decoded = sox(
            &codes,
            &["-e", encoding, "-b", "8"],
            &["-e", "signed", "-b", "16"],
        )
        .unwrap();
        for code in 0..=255u8 {
            let theirs =
                i16::from_le_bytes([decoded[2 * code as usize], decoded[2 * code as usize + 1]]);
            assert_eq!(
                codec.decode_sample(code),
                theirs,
                "{codec:?} code {code:#04x}"
            );
        }
    }
}
