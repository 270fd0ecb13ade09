//! A reproducible synthetic campaign snapshot, for benchmarks and simulations.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::{DueStep, RetryState, StepAction, WorkItem};
use crate::campaign::compliance::{Channel, Contact, ContactKind, DebtorFacts, DebtorFlags};

/// Every Russian time zone, Kaliningrad to Kamchatka (UTC+2 … UTC+12).
pub const RUSSIAN_ZONES: [Tz; 11] = [
    Tz::Europe__Kaliningrad,
    Tz::Europe__Moscow,
    Tz::Europe__Samara,
    Tz::Asia__Yekaterinburg,
    Tz::Asia__Omsk,
    Tz::Asia__Krasnoyarsk,
    Tz::Asia__Irkutsk,
    Tz::Asia__Yakutsk,
    Tz::Asia__Vladivostok,
    Tz::Asia__Magadan,
    Tz::Asia__Kamchatka,
];

/// A small deterministic pseudo-random generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// `n` debtors spread over the Russian zones, each with one or two phones, a few past contacts and a
/// call or message step due around `now`.
pub fn snapshot(n: usize, seed: u64, now: DateTime<Utc>) -> Vec<WorkItem> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let tz = RUSSIAN_ZONES[rng.below(RUSSIAN_ZONES.len() as u64) as usize];
            let phones = (0..1 + rng.below(2))
                .map(|k| format!("+79{:09}", (i as u64 * 7 + k) % 1_000_000_000))
                .collect();
            let history = (0..rng.below(12))
                .map(|_| {
                    let ago = Duration::minutes(rng.below(40 * 24 * 60) as i64 + 1);
                    let channel =
                        [Channel::Call, Channel::Sms, Channel::Email][rng.below(3) as usize];
                    let kind = if rng.chance(0.3) {
                        ContactKind::Conversation
                    } else {
                        ContactKind::Attempt
                    };
                    Contact::new(now - ago, channel, kind)
                })
                .collect();
            let action = match rng.below(10) {
                0 => StepAction::Sms {
                    template: "reminder".into(),
                },
                1 => StepAction::Email {
                    template: "reminder".into(),
                },
                _ => StepAction::Call {
                    flow: "soft_ru".into(),
                },
            };
            WorkItem {
                debtor: i as i64,
                phones,
                facts: DebtorFacts {
                    time_zone: tz,
                    flags: DebtorFlags {
                        hospital: rng.chance(0.01),
                        ..DebtorFlags::default()
                    },
                    refusal_of_interaction: rng.chance(0.01),
                    stop_calls: rng.chance(0.02),
                },
                history,
                step: Some(DueStep {
                    action,
                    due_at: now - Duration::hours(rng.below(72) as i64)
                        + Duration::hours(rng.below(6) as i64),
                }),
                retry: RetryState {
                    next_retry_at: rng
                        .chance(0.3)
                        .then(|| now + Duration::minutes(rng.below(240) as i64 - 120)),
                    ..RetryState::default()
                },
                in_flight: rng.chance(0.01),
            }
        })
        .collect()
}
