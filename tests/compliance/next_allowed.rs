//! Property: `next_allowed_at` is allowed, and nothing between the asked moment and it is.

use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use softcall::campaign::compliance::{
    Channel, Contact, ContactKind, Counting, DebtorFacts, DebtorFlags, Policy, Profile, Settings,
    Windows,
};

const ZONES: [Tz; 6] = [
    Tz::Europe__Kaliningrad,
    Tz::Europe__Moscow,
    Tz::Asia__Kamchatka,
    Tz::America__New_York,
    Tz::America__Los_Angeles,
    Tz::Pacific__Honolulu,
];
const CHANNELS: [Channel; 4] = [
    Channel::Call,
    Channel::Sms,
    Channel::Email,
    Channel::VoiceMessage,
];

fn policy(us: bool, conversations: bool, calendar: bool) -> Policy {
    let profile = if us {
        Profile::us_regf()
    } else {
        Profile::ru_230fz()
    };
    Policy::new(
        profile,
        Settings {
            counting: if conversations {
                Counting::Conversations
            } else {
                Counting::EveryAttempt
            },
            windows: if calendar {
                Windows::Calendar
            } else {
                Windows::Rolling
            },
            ..Settings::default()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 96 } else { 512 }, ..ProptestConfig::default() })]

    #[test]
    fn next_allowed_is_the_first_allowed_moment(
        zone in 0usize..ZONES.len(),
        us in any::<bool>(),
        conversations in any::<bool>(),
        calendar in any::<bool>(),
        channel in 0usize..CHANNELS.len(),
        // Any minute of 2025–2027, DST days included.
        minute in 0i64..(3 * 365 * 24 * 60),
        history in prop::collection::vec((0i64..(40 * 24 * 60), 0usize..4, any::<bool>()), 0..24),
        probes in prop::collection::vec(0.0f64..1.0, 24),
    ) {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let at = start + Duration::minutes(minute);
        let contacts: Vec<Contact> = history
            .iter()
            .map(|(ago, ch, talked)| {
                let kind = if *talked { ContactKind::Conversation } else { ContactKind::Attempt };
                Contact::new(at - Duration::minutes(*ago), CHANNELS[*ch], kind)
            })
            .collect();
        let debtor = DebtorFacts {
            time_zone: ZONES[zone],
            flags: DebtorFlags::default(),
            refusal_of_interaction: false,
            stop_calls: false,
        };
        let p = policy(us, conversations, calendar);
        let d = p.decide(&debtor, &contacts, CHANNELS[channel], at);
        let next = d.next_allowed_at.expect("only flags and refusals make contact impossible");
        prop_assert_eq!(p.next_allowed_at(&debtor, &contacts, CHANNELS[channel], at), Some(next));
        prop_assert!(next >= at);
        if d.allowed {
            prop_assert_eq!(next, at);
        } else {
            prop_assert!(next > at);
            let later = p.decide(&debtor, &contacts, CHANNELS[channel], next);
            prop_assert!(later.allowed, "next {} is not allowed: {}", next, later.reason);
            let span = (next - at).num_seconds();
            for f in probes.iter().copied().chain([1.0 - 1e-9]) {
                let probe = at + Duration::seconds(((span as f64) * f) as i64);
                if probe < next {
                    let mid = p.decide(&debtor, &contacts, CHANNELS[channel], probe);
                    prop_assert!(!mid.allowed, "{} is allowed before next {}: {}", probe, next, mid.reason);
                }
            }
            let just_before = next - Duration::seconds(1);
            if just_before >= at {
                prop_assert!(!p.decide(&debtor, &contacts, CHANNELS[channel], just_before).allowed);
            }
        }
    }
}
