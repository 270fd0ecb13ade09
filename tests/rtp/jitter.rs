use softcall::rtp::jitter::{FrameSource, JitterBuffer, JitterConfig};

fn samples(seq: u16) -> Vec<i16> {
    vec![1000 + seq as i16; super::N]
}

fn buffer(prefill: usize) -> JitterBuffer {
    JitterBuffer::new(JitterConfig {
        prefill,
        capacity: 50,
        max_delay: 50,
        max_repeat: 3,
    })
}

#[test]
fn waits_for_prefill_then_plays_in_sequence_order() {
    let mut jb = buffer(3);
    jb.push(10, Some(samples(10)));
    jb.push(12, Some(samples(12)));
    assert_eq!(jb.pop().1, FrameSource::Silence, "still buffering");
    jb.push(11, Some(samples(11)));
    jb.push(13, Some(samples(13)));
    for seq in 10..=13 {
        let (frame, source) = jb.pop();
        assert_eq!(source, FrameSource::Received);
        assert_eq!(frame[0], 1000 + seq, "seq {seq}");
    }
    assert_eq!(jb.stats().accepted, 4);
    assert_eq!(jb.stats().lost, 0);
}

#[test]
fn duplicates_are_dropped() {
    let mut jb = buffer(2);
    jb.push(1, Some(samples(1)));
    jb.push(1, Some(samples(1)));
    jb.push(2, Some(samples(2)));
    assert_eq!(jb.pop().0[0], 1001);
    jb.push(1, Some(samples(1)));
    assert_eq!(jb.pop().0[0], 1002);
    assert_eq!(jb.stats().duplicates, 1);
    assert_eq!(jb.stats().late, 1, "a copy of a played packet is late");
    assert_eq!(jb.stats().accepted, 2);
}

#[test]
fn a_lost_packet_is_concealed_by_a_fading_repeat_and_late_arrival_dropped() {
    let mut jb = buffer(2);
    for seq in [1u16, 2, 4, 5] {
        jb.push(seq, Some(samples(seq)));
    }
    assert_eq!(jb.pop().0[0], 1001);
    assert_eq!(jb.pop().0[0], 1002);
    let (concealed, source) = jb.pop();
    assert_eq!(source, FrameSource::Concealed);
    assert_eq!(
        concealed[0],
        1002 / 2,
        "repeat of the last frame, 6 dB down"
    );
    jb.push(3, Some(samples(3)));
    assert_eq!(jb.pop().0[0], 1004);
    assert_eq!(jb.pop().0[0], 1005);
    let stats = jb.stats();
    assert_eq!(stats.lost, 1);
    assert_eq!(stats.late, 1);
    assert_eq!(stats.concealed_frames, 1);
}

#[test]
fn long_outage_fades_to_silence_then_rebuffers() {
    let mut jb = buffer(1);
    jb.push(1, Some(samples(1)));
    assert_eq!(jb.pop().1, FrameSource::Received);
    let sources: Vec<FrameSource> = (0..6).map(|_| jb.pop().1).collect();
    assert_eq!(&sources[..3], &[FrameSource::Concealed; 3]);
    assert!(sources[3..].iter().all(|&s| s == FrameSource::Silence));
    // The stream resumes after the pause and plays again.
    jb.push(2, Some(samples(2)));
    assert_eq!(jb.pop(), ([1002; super::N], FrameSource::Received));
}

#[test]
fn sequence_wrap_around_keeps_order() {
    let mut jb = buffer(4);
    for seq in [65534u16, 0, 65535, 1] {
        jb.push(seq, Some(vec![seq as i16; super::N]));
    }
    let order: Vec<i16> = (0..4).map(|_| jb.pop().0[0]).collect();
    assert_eq!(order, vec![65534u16 as i16, 65535u16 as i16, 0, 1]);
}

#[test]
fn size_is_bounded() {
    let mut jb = JitterBuffer::new(JitterConfig {
        prefill: 3,
        capacity: 10,
        max_delay: 10,
        max_repeat: 3,
    });
    for seq in 0..100u16 {
        jb.push(seq, Some(samples(seq)));
        assert!(jb.len() <= 10);
    }
    assert_eq!(jb.stats().overflow, 90);
    // Playout continues with the newest packets.
    assert_eq!(jb.pop().0[0], 1090);
}

#[test]
fn packets_without_audio_fill_their_sequence_number() {
    let mut jb = buffer(2);
    jb.push(1, Some(samples(1)));
    jb.push(2, None);
    jb.push(3, Some(samples(3)));
    assert_eq!(jb.pop().0[0], 1001);
    assert_eq!(jb.pop().0[0], 1003);
    assert_eq!(jb.stats().lost, 0);
}

#[test]
fn a_burst_beyond_the_maximum_delay_is_trimmed_at_playout() {
    let mut jb = JitterBuffer::new(JitterConfig {
        prefill: 2,
        capacity: 50,
        max_delay: 4,
        max_repeat: 3,
    });
    for seq in 0..12u16 {
        jb.push(seq, Some(samples(seq)));
    }
    assert_eq!(
        jb.pop().0[0],
        1008,
        "only the newest 4 packets are kept waiting"
    );
    assert_eq!(jb.stats().overflow, 8);
    assert_eq!(jb.len(), 3);
}

#[test]
fn a_burst_shorter_than_the_prefill_still_plays_after_the_playout_delay() {
    let mut jb = buffer(3);
    jb.push(7, Some(samples(7)));
    assert_eq!(jb.pop().1, FrameSource::Silence);
    assert_eq!(jb.pop().1, FrameSource::Silence);
    assert_eq!(jb.pop(), ([1007; super::N], FrameSource::Received));
}
