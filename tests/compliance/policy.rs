//! Table tests of the compliance policy: hours edges, holidays, windows, counting, flags, US DST days.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use softcall::campaign::compliance::{
    Channel, Contact, ContactKind, Counting, DebtorFacts, DebtorFlags, Policy, Profile, Rule,
    Settings, Windows,
};

pub fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("RFC 3339 test time")
}

pub fn debtor(tz: Tz) -> DebtorFacts {
    DebtorFacts {
        time_zone: tz,
        flags: DebtorFlags::default(),
        refusal_of_interaction: false,
        stop_calls: false,
    }
}

fn ru() -> Policy {
    Policy::new(Profile::ru_230fz(), Settings::default())
}

fn ru_with(counting: Counting, windows: Windows) -> Policy {
    Policy::new(
        Profile::ru_230fz(),
        Settings {
            counting,
            windows,
            ..Settings::default()
        },
    )
}

fn us() -> Policy {
    Policy::new(Profile::us_regf(), Settings::default())
}

fn contact(at: &str, channel: Channel, kind: ContactKind) -> Contact {
    Contact::new(utc(at), channel, kind)
}

fn attempt(at: &str) -> Contact {
    contact(at, Channel::Call, ContactKind::Attempt)
}

/// One debtor in a time zone with a contact history, asked about under one policy.
struct Case<'a> {
    policy: Policy,
    tz: Tz,
    history: &'a [Contact],
}

impl<'a> Case<'a> {
    /// The debtor in `tz` with `history` under `policy`.
    fn new(policy: &Policy, tz: Tz, history: &'a [Contact]) -> Self {
        Case {
            policy: policy.clone(),
            tz,
            history,
        }
    }

    /// `(channel, at) -> (allowed, next_allowed_at)`: asserts both and returns the reason.
    fn check(&self, channel: Channel, at: &str, allowed: bool, next: Option<&str>) -> String {
        let tz = self.tz;
        let d = self
            .policy
            .decide(&debtor(tz), self.history, channel, utc(at));
        assert_eq!(d.allowed, allowed, "at {at} in {tz}: {}", d.reason);
        assert_eq!(
            d.next_allowed_at,
            next.map(utc),
            "next allowed for {at} in {tz}: {}",
            d.reason
        );
        d.reason
    }

    /// A debtor in Moscow with no contacts yet, under 230-FZ with default settings.
    fn moscow() -> Self {
        Case::new(&ru(), Tz::Europe__Moscow, &[])
    }

    /// [`Case::check`] for a call.
    fn call(&self, at: &str, allowed: bool, next: Option<&str>) -> String {
        self.check(Channel::Call, at, allowed, next)
    }

    /// [`Case::check`] for a text message.
    fn sms(&self, at: &str, allowed: bool, next: Option<&str>) -> String {
        self.check(Channel::Sms, at, allowed, next)
    }
}

#[test]
fn ru_working_day_hour_edges_in_moscow() {
    // Monday 2026-11-23, UTC+3.
    let case = Case::moscow();
    let r = case.call("2026-11-23T04:59:59Z", false, Some("2026-11-23T05:00:00Z"));
    assert!(
        r.contains("outside contact hours") && r.contains("07:59") && r.contains("08:00–22:00"),
        "{r}"
    );
    case.call("2026-11-23T05:00:00Z", true, Some("2026-11-23T05:00:00Z"));
    case.sms("2026-11-23T18:59:59Z", true, Some("2026-11-23T18:59:59Z"));
    case.call("2026-11-23T19:00:00Z", false, Some("2026-11-24T05:00:00Z"));
    // Friday 22:00 → Saturday opens at 09:00.
    case.call("2026-11-27T19:00:00Z", false, Some("2026-11-28T06:00:00Z"));
}

#[test]
fn ru_weekend_hours() {
    let case = Case::moscow();
    let r = case.call("2026-11-28T05:30:00Z", false, Some("2026-11-28T06:00:00Z"));
    assert!(r.contains("day off") && r.contains("09:00–20:00"), "{r}");
    case.sms("2026-11-28T16:59:00Z", true, Some("2026-11-28T16:59:00Z"));
    // Saturday 20:00 → Sunday 09:00; Sunday 20:00 → Monday 08:00.
    case.call("2026-11-28T17:00:00Z", false, Some("2026-11-29T06:00:00Z"));
    case.call("2026-11-29T17:00:00Z", false, Some("2026-11-30T05:00:00Z"));
}

#[test]
fn ru_public_holidays_and_transfers() {
    // Thursday 2026-01-08 is a public holiday: 08:30 is too early.
    let case = Case::moscow();
    case.call("2026-01-08T05:30:00Z", false, Some("2026-01-08T06:00:00Z"));
    // Friday 2026-01-09 is a transferred day off: 20:00 closes; Saturday 10th opens at 09:00.
    case.sms("2026-01-09T16:59:00Z", true, Some("2026-01-09T16:59:00Z"));
    case.call("2026-01-09T17:00:00Z", false, Some("2026-01-10T06:00:00Z"));
    // Sunday 2026-01-11 20:00 → Monday 12th, a working day, opens at 08:00.
    case.call("2026-01-11T17:00:00Z", false, Some("2026-01-12T05:00:00Z"));
    // Monday 2026-02-23 and Monday 2026-03-09 (for Sunday 8 March) are days off.
    case.call("2026-02-23T05:30:00Z", false, Some("2026-02-23T06:00:00Z"));
    case.call("2026-03-09T05:30:00Z", false, Some("2026-03-09T06:00:00Z"));
    // Thursday 2026-12-31 is a day off (transferred from 4 January).
    case.call("2026-12-31T17:30:00Z", false, Some("2027-01-01T06:00:00Z"));
    // Saturday 2025-11-01 was a working day; Monday 2025-11-03 a day off.
    case.call("2025-11-01T05:30:00Z", true, Some("2025-11-01T05:30:00Z"));
    case.call("2025-11-03T05:30:00Z", false, Some("2025-11-03T06:00:00Z"));
    // 2028 is outside the file: the fixed art. 112 holidays still apply (Monday 3 January).
    case.call("2028-01-03T05:30:00Z", false, Some("2028-01-03T06:00:00Z"));
}

#[test]
fn ru_hours_follow_the_debtor_zone_not_utc() {
    let p = ru();
    // Kamchatka, UTC+12: Monday 2026-11-23 08:00 local is Sunday 20:00 UTC.
    let case = Case::new(&p, Tz::Asia__Kamchatka, &[]);
    case.call("2026-11-22T19:59:00Z", false, Some("2026-11-22T20:00:00Z"));
    // Kaliningrad, UTC+2: 21:59 local allowed, 22:00 not.
    let case = Case::new(&p, Tz::Europe__Kaliningrad, &[]);
    case.sms("2026-11-23T19:59:00Z", true, Some("2026-11-23T19:59:00Z"));
    case.call("2026-11-23T20:00:00Z", false, Some("2026-11-24T06:00:00Z"));
}

#[test]
fn ru_daily_limit_rolling_versus_calendar() {
    let msk = Tz::Europe__Moscow;
    // An attempt at 21:00 Monday; asked at 09:00 Tuesday.
    let h = [attempt("2026-11-23T18:00:00Z")];
    let case = Case::new(&ru(), msk, &h);
    let r = case.call("2026-11-24T06:00:00Z", false, Some("2026-11-24T18:00:00Z"));
    assert!(
        r.contains("1 within the 24 hours") && r.contains("at most 1"),
        "{r}"
    );
    let case = Case::new(&ru_with(Counting::EveryAttempt, Windows::Calendar), msk, &h);
    case.call("2026-11-24T06:00:00Z", true, Some("2026-11-24T06:00:00Z"));
    // Same calendar day: blocked until the next local day opens.
    case.call("2026-11-23T18:30:00Z", false, Some("2026-11-24T05:00:00Z"));
}

#[test]
fn ru_weekly_limit_rolling_versus_calendar() {
    let msk = Tz::Europe__Moscow;
    let h = [
        attempt("2026-11-23T07:00:00Z"),
        attempt("2026-11-24T07:00:00Z"),
    ];
    let case = Case::new(&ru(), msk, &h);
    let r = case.call("2026-11-25T07:00:00Z", false, Some("2026-11-30T07:00:00Z"));
    assert!(r.contains("2 within the 7 days (rolling)"), "{r}");
    let case = Case::new(&ru_with(Counting::EveryAttempt, Windows::Calendar), msk, &h);
    let r = case.call("2026-11-25T07:00:00Z", false, Some("2026-11-30T05:00:00Z"));
    assert!(r.contains("calendar week"), "{r}");
}

#[test]
fn ru_monthly_limit_rolling_versus_calendar() {
    let msk = Tz::Europe__Moscow;
    let h: Vec<Contact> = [2, 3, 9, 10, 16, 17, 23, 24]
        .iter()
        .map(|d| attempt(&format!("2026-11-{d:02}T07:00:00Z")))
        .collect();
    let case = Case::new(&ru(), msk, &h);
    let r = case.call("2026-11-30T07:00:00Z", false, Some("2026-12-03T07:00:00Z"));
    assert!(
        r.contains("8 within the 31 days") && r.contains("at most 8"),
        "{r}"
    );
    let case = Case::new(&ru_with(Counting::EveryAttempt, Windows::Calendar), msk, &h);
    case.call("2026-11-30T07:00:00Z", false, Some("2026-12-01T05:00:00Z"));
}

#[test]
fn counting_every_attempt_versus_conversations() {
    let msk = Tz::Europe__Moscow;
    let unanswered = [attempt("2026-11-23T06:00:00Z")];
    let case = Case::new(&ru(), msk, &unanswered);
    case.call("2026-11-23T09:00:00Z", false, Some("2026-11-24T06:00:00Z"));
    let conv = ru_with(Counting::Conversations, Windows::Rolling);
    let case = Case::new(&conv, msk, &unanswered);
    case.call("2026-11-23T09:00:00Z", true, Some("2026-11-23T09:00:00Z"));
    let talked = [contact(
        "2026-11-23T06:00:00Z",
        Channel::Call,
        ContactKind::Conversation,
    )];
    let case = Case::new(&conv, msk, &talked);
    case.call("2026-11-23T09:00:00Z", false, Some("2026-11-24T06:00:00Z"));
}

#[test]
fn message_limits_share_text_voice_and_email() {
    let msk = Tz::Europe__Moscow;
    let h = [
        contact(
            "2026-11-23T06:00:00Z",
            Channel::Sms,
            ContactKind::Conversation,
        ),
        contact(
            "2026-11-23T07:00:00Z",
            Channel::VoiceMessage,
            ContactKind::Conversation,
        ),
    ];
    let case = Case::new(&ru(), msk, &h);
    let r = case.sms("2026-11-23T09:00:00Z", false, Some("2026-11-24T06:00:00Z"));
    assert!(r.contains("messages limit reached: 2"), "{r}");
    case.check(
        Channel::Email,
        "2026-11-23T09:00:00Z",
        false,
        Some("2026-11-24T06:00:00Z"),
    );
    // Calls draw on their own budget.
    case.call("2026-11-23T09:00:00Z", true, Some("2026-11-23T09:00:00Z"));
    let email_apart = Policy::new(
        Profile::ru_230fz(),
        Settings {
            email_counts_as_message: false,
            ..Settings::default()
        },
    );
    let case = Case::new(&email_apart, msk, &h);
    case.check(
        Channel::Email,
        "2026-11-23T09:00:00Z",
        true,
        Some("2026-11-23T09:00:00Z"),
    );
}

#[test]
fn contacts_after_the_moment_are_ignored() {
    let h = [attempt("2026-11-23T10:00:00Z")];
    let case = Case::new(&ru(), Tz::Europe__Moscow, &h);
    case.call("2026-11-23T09:00:00Z", true, Some("2026-11-23T09:00:00Z"));
}

#[test]
fn flags_and_refusals_forbid_contact_forever() {
    type SetFlag = fn(&mut DebtorFacts);
    let cases: [(&str, SetFlag); 5] = [
        ("bankruptcy", |d| d.flags.bankruptcy = true),
        ("in hospital", |d| d.flags.hospital = true),
        ("a minor", |d| d.flags.minor = true),
        ("disability group I", |d| d.flags.disability_group_1 = true),
        ("refusal of interaction", |d| {
            d.refusal_of_interaction = true
        }),
    ];
    for (name, set) in cases {
        let mut d = debtor(Tz::Europe__Moscow);
        set(&mut d);
        for policy in [ru(), us()] {
            for channel in [
                Channel::Call,
                Channel::Sms,
                Channel::Email,
                Channel::VoiceMessage,
            ] {
                let dec = policy.decide(&d, &[], channel, utc("2026-11-23T09:00:00Z"));
                assert!(!dec.allowed, "{name} {channel}");
                assert_eq!(dec.next_allowed_at, None, "{name} {channel}");
                assert!(dec.reason.contains(name), "{name}: {}", dec.reason);
                assert!(matches!(dec.blocked_by[0], Rule::Flag | Rule::Refusal));
            }
        }
    }
    let mut consent = debtor(Tz::Europe__Moscow);
    consent.flags.third_party_consent = true;
    assert!(
        ru().decide(&consent, &[], Channel::Call, utc("2026-11-23T09:00:00Z"))
            .allowed
    );
}

#[test]
fn stop_calls_blocks_calls_and_voice_messages_only() {
    let mut d = debtor(Tz::Europe__Moscow);
    d.stop_calls = true;
    let at = utc("2026-11-23T09:00:00Z");
    for channel in [Channel::Call, Channel::VoiceMessage] {
        let dec = ru().decide(&d, &[], channel, at);
        assert!(!dec.allowed && dec.next_allowed_at.is_none(), "{channel}");
        assert_eq!(dec.blocked_by, vec![Rule::StopCalls]);
    }
    assert!(ru().decide(&d, &[], Channel::Sms, at).allowed);
    assert!(ru().decide(&d, &[], Channel::Email, at).allowed);
}

#[test]
fn us_hours_on_the_spring_forward_day() {
    let ny = Tz::America__New_York;
    // Saturday 2026-03-07 is EST (UTC-5): 08:00 is 13:00Z.
    let case = Case::new(&us(), ny, &[]);
    case.call("2026-03-07T12:30:00Z", false, Some("2026-03-07T13:00:00Z"));
    // 21:30 EST Saturday → Sunday 08:00 EDT (UTC-4) = 12:00Z, one hour earlier in UTC.
    case.call("2026-03-08T02:30:00Z", false, Some("2026-03-08T12:00:00Z"));
    case.call("2026-03-08T11:59:00Z", false, Some("2026-03-08T12:00:00Z"));
    case.call("2026-03-08T12:00:00Z", true, Some("2026-03-08T12:00:00Z"));
    // 20:59 EDT allowed, 21:00 EDT (01:00Z) not.
    case.sms("2026-03-09T00:59:00Z", true, Some("2026-03-09T00:59:00Z"));
    case.call("2026-03-09T01:00:00Z", false, Some("2026-03-09T12:00:00Z"));
    // Phoenix keeps MST (UTC-7) all year.
    let case = Case::new(&us(), Tz::America__Phoenix, &[]);
    case.call("2026-03-08T14:59:00Z", false, Some("2026-03-08T15:00:00Z"));
}

#[test]
fn us_hours_on_the_fall_back_day() {
    let ny = Tz::America__New_York;
    // Saturday 2026-10-31 21:30 EDT → Sunday 08:00 EST = 13:00Z.
    let case = Case::new(&us(), ny, &[]);
    case.call("2026-11-01T01:30:00Z", false, Some("2026-11-01T13:00:00Z"));
    case.call("2026-11-01T12:30:00Z", false, Some("2026-11-01T13:00:00Z"));
    // Sunday 20:59 EST allowed, 21:00 EST (02:00Z Monday) not.
    case.sms("2026-11-02T01:59:00Z", true, Some("2026-11-02T01:59:00Z"));
    case.sms("2026-11-02T02:00:00Z", false, Some("2026-11-02T13:00:00Z"));
}

#[test]
fn us_seven_attempts_in_seven_days_across_dst() {
    let ny = Tz::America__New_York;
    let h: Vec<Contact> = (26..=31)
        .map(|d| attempt(&format!("2026-10-{d}T13:00:00Z")))
        .chain([contact(
            "2026-11-01T14:00:00Z",
            Channel::VoiceMessage,
            ContactKind::Attempt,
        )])
        .collect();
    // The eighth attempt waits until the first leaves the 7-day window: 13:00Z = 08:00 EST on Monday.
    let case = Case::new(&us(), ny, &h);
    let r = case.call("2026-11-01T20:00:00Z", false, Some("2026-11-02T13:00:00Z"));
    assert!(
        r.contains("7 within the 7 days") && r.contains("§1006.14(b)(2)(i)"),
        "{r}"
    );
    // Messages have no count limits under Regulation F.
    case.sms("2026-11-01T20:00:00Z", true, Some("2026-11-01T20:00:00Z"));
    // Calendar reading: seven consecutive local dates; Oct 26 drops out at local midnight of Nov 2.
    let cal = Policy::new(
        Profile::us_regf(),
        Settings {
            windows: Windows::Calendar,
            ..Settings::default()
        },
    );
    let case = Case::new(&cal, ny, &h);
    case.call("2026-11-01T20:00:00Z", false, Some("2026-11-02T13:00:00Z"));
}

#[test]
fn us_no_calls_within_seven_days_after_a_conversation() {
    let ny = Tz::America__New_York;
    let h = [contact(
        "2026-11-10T15:00:00Z",
        Channel::Call,
        ContactKind::Conversation,
    )];
    let case = Case::new(&us(), ny, &h);
    let r = case.call("2026-11-16T15:00:00Z", false, Some("2026-11-17T15:00:00Z"));
    assert!(r.contains("7 days after the phone conversation"), "{r}");
    let cal = Policy::new(
        Profile::us_regf(),
        Settings {
            windows: Windows::Calendar,
            ..Settings::default()
        },
    );
    let case = Case::new(&cal, ny, &h);
    case.call("2026-11-16T15:00:00Z", false, Some("2026-11-17T13:00:00Z"));
    // An e-mail is not a call.
    let case = Case::new(&us(), ny, &h);
    case.check(
        Channel::Email,
        "2026-11-16T15:00:00Z",
        true,
        Some("2026-11-16T15:00:00Z"),
    );
}

#[test]
fn settings_read_from_configuration_text() {
    let s: Settings =
        serde_json::from_str(r#"{"counting": "conversations", "windows": "calendar"}"#).unwrap();
    assert_eq!(s.counting, Counting::Conversations);
    assert_eq!(s.windows, Windows::Calendar);
    assert!(s.email_counts_as_message);
    let d: Settings = serde_json::from_str("{}").unwrap();
    assert_eq!(d, Settings::default());
    assert_eq!(d.counting, Counting::EveryAttempt);
    assert_eq!(d.windows, Windows::Rolling);
    assert!(serde_json::from_str::<Settings>(r#"{"window": "calendar"}"#).is_err());
    assert_eq!(Profile::by_name("us-regf"), Some(Profile::us_regf()));
    assert_eq!(Profile::by_name("ru"), None);
}

#[test]
fn calls_start_early_enough_to_end_within_the_hours() {
    let msk = Tz::Europe__Moscow;
    // Default margin 10 minutes: the last call starts at 21:49:59 on a working day.
    let case = Case::new(&ru(), msk, &[]);
    case.call("2026-11-23T18:49:59Z", true, Some("2026-11-23T18:49:59Z"));
    let r = case.call("2026-11-23T18:50:00Z", false, Some("2026-11-24T05:00:00Z"));
    assert!(r.contains("calls start by 21:50 to end by 22:00"), "{r}");
    // Messages are instantaneous: no margin.
    case.sms("2026-11-23T18:50:00Z", true, Some("2026-11-23T18:50:00Z"));
    // Margin 0 reads the closing time literally.
    let literal = Policy::new(
        Profile::ru_230fz(),
        Settings {
            call_end_margin_minutes: 0,
            ..Settings::default()
        },
    );
    let case = Case::new(&literal, msk, &[]);
    case.call("2026-11-23T18:59:59Z", true, Some("2026-11-23T18:59:59Z"));
    // US: 20:50 EDT on the spring-forward Sunday is too late for a call.
    let case = Case::new(&us(), Tz::America__New_York, &[]);
    case.call("2026-03-09T00:50:00Z", false, Some("2026-03-09T12:00:00Z"));
}
