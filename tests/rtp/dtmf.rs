use std::time::{Duration, Instant};

use softcall::rtp::dtmf::{
    digit_of_event, event_of_digit, DtmfError, DtmfReceiver, DtmfSender, TelephoneEvent,
};

fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
    TelephoneEvent {
        event,
        end,
        volume: 10,
        duration,
    }
}

#[test]
fn payload_round_trip_and_digit_mapping() {
    let e = ev(11, true, 800);
    assert_eq!(e.to_bytes(), [11, 0x8A, 0x03, 0x20]);
    assert_eq!(TelephoneEvent::parse(&e.to_bytes()).unwrap(), e);
    assert_eq!(TelephoneEvent::parse(&[1, 2]), Err(DtmfError::Truncated(2)));
    for (digit, code) in [
        ('0', 0),
        ('9', 9),
        ('*', 10),
        ('#', 11),
        ('A', 12),
        ('D', 15),
    ] {
        assert_eq!(event_of_digit(digit), Ok(code));
        assert_eq!(digit_of_event(code), Some(digit));
    }
    assert_eq!(event_of_digit('d'), Ok(15));
    assert_eq!(event_of_digit('x'), Err(DtmfError::NotADigit('x')));
    assert_eq!(digit_of_event(16), None);
}

#[test]
fn start_continuations_and_three_end_packets_report_once() {
    let t0 = Instant::now();
    let mut rx = DtmfReceiver::new();
    let mut reported = Vec::new();
    let packets = [
        ev(5, false, 160),
        ev(5, false, 320),
        ev(5, false, 480),
        ev(5, true, 640),
        ev(5, true, 640),
        ev(5, true, 640),
    ];
    for (i, p) in packets.iter().enumerate() {
        if let Some(d) = rx.on_packet(1000, *p, t0 + Duration::from_millis(20 * i as u64)) {
            reported.push(d);
        }
    }
    assert_eq!(reported, vec!['5']);
    // The same key pressed again is a new event (new timestamp) and reported again.
    let again = rx.on_packet(5000, ev(5, false, 160), t0 + Duration::from_millis(500));
    assert_eq!(again, Some('5'));
    // Its end packet, arriving later, is folded into it.
    assert_eq!(
        rx.on_packet(5000, ev(5, true, 640), t0 + Duration::from_millis(600)),
        None
    );
}

#[test]
fn lost_start_packet_still_reports_from_the_end_packets_once() {
    let t0 = Instant::now();
    let mut rx = DtmfReceiver::new();
    let hits: Vec<char> = (0..3)
        .filter_map(|i| rx.on_packet(777, ev(9, true, 800), t0 + Duration::from_millis(i * 20)))
        .collect();
    assert_eq!(hits, vec!['9']);
}

#[test]
fn long_event_split_into_segments_reports_once() {
    let t0 = Instant::now();
    let mut rx = DtmfReceiver::new();
    assert_eq!(rx.on_packet(10_000, ev(1, false, 65_535), t0), Some('1'));
    // RFC 4733 §2.5.1.3: the next segment starts where the previous one's duration ended.
    let next_ts = 10_000u32 + 65_535;
    assert_eq!(
        rx.on_packet(next_ts, ev(1, false, 160), t0 + Duration::from_millis(20)),
        None
    );
    assert_eq!(
        rx.on_packet(next_ts, ev(1, true, 800), t0 + Duration::from_millis(40)),
        None
    );
}

#[test]
fn other_event_codes_are_not_keys() {
    let mut rx = DtmfReceiver::new();
    assert_eq!(rx.on_packet(1, ev(32, false, 160), Instant::now()), None);
}

#[test]
fn sender_makes_start_continuations_and_three_ends_with_one_timestamp() {
    let mut tx = DtmfSender::new(Duration::from_millis(100), Duration::from_millis(40), 10);
    assert_eq!(tx.tick(0), None, "idle");
    tx.push('#').unwrap();
    tx.push('1').unwrap();
    assert!(tx.push('z').is_err());
    let mut slot = 1600u32;
    let mut packets = Vec::new();
    while let Some(p) = tx.tick(slot) {
        packets.push(p);
        slot += 160;
    }
    assert_eq!(
        packets.len(),
        5 + 3,
        "5 × 20 ms of tone, then 3 end packets"
    );
    assert!(packets
        .iter()
        .all(|p| p.timestamp == 1600 && p.event.event == 11));
    assert!(packets[0].marker);
    assert!(packets[1..].iter().all(|p| !p.marker));
    let durations: Vec<u16> = packets.iter().map(|p| p.event.duration).collect();
    assert_eq!(durations, vec![160, 320, 480, 640, 800, 800, 800, 800]);
    let ends: Vec<bool> = packets.iter().map(|p| p.event.end).collect();
    assert_eq!(
        ends,
        vec![false, false, false, false, false, true, true, true]
    );
    // The gap (2 slots) before the next key, which then starts at the current slot.
    assert_eq!(tx.tick(slot + 160), None);
    let next = tx
        .tick(slot + 320)
        .expect("second key starts after the gap");
    assert_eq!(next.event.event, 1);
    assert_eq!(next.timestamp, slot + 320);
    assert!(next.marker);
    assert!(tx.is_busy());
}

#[test]
fn sender_output_fed_to_receiver_gives_each_key_once() {
    let t0 = Instant::now();
    let mut tx = DtmfSender::new(Duration::from_millis(60), Duration::from_millis(40), 10);
    let mut rx = DtmfReceiver::new();
    for d in "123#".chars() {
        tx.push(d).unwrap();
    }
    let mut got = String::new();
    for i in 0..200u32 {
        if let Some(p) = tx.tick(i * 160) {
            if let Some(d) = rx.on_packet(
                p.timestamp,
                p.event,
                t0 + Duration::from_millis(20 * i as u64),
            ) {
                got.push(d);
            }
        }
    }
    assert_eq!(got, "123#");
    assert!(!tx.is_busy());
}

#[test]
fn keypad_frequencies_and_tone_frames() {
    use softcall::rtp::dtmf::{frequencies, tone_frame};
    assert_eq!(frequencies(1), Some((697.0, 1209.0)));
    assert_eq!(frequencies(0), Some((941.0, 1336.0)));
    assert_eq!(frequencies(11), Some((941.0, 1477.0)), "#");
    assert_eq!(frequencies(15), Some((941.0, 1633.0)), "D");
    assert_eq!(frequencies(16), None);
    // Consecutive frames continue the waveform: 5 frames of key 9 hold 852 + 1477 Hz only.
    let samples: Vec<i16> = (0..5)
        .flat_map(|i| tone_frame(9, i * 160).unwrap())
        .collect();
    let share = super::tone_share(&samples, 852.0) + super::tone_share(&samples, 1477.0);
    assert!(share > 0.9, "share {share}");
    assert!(super::tone_share(&samples, 697.0) < 0.05);
}
