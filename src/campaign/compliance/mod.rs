//! Legal contact limits: a pure policy that, given a debtor, their contact history, a channel and a
//! moment, says whether contact is allowed, why, and when it next will be.
//!
//! - [`facts`] — the debtor facts and contact history the decision reads.
//! - [`profile`] — jurisdiction profiles (`ru-230fz`, `us-regf`) and the settings choosing readings of the law.
//! - [`calendar`] — the Russian production calendar (embedded `holidays_ru.toml`).
//! - [`local_time`] — debtor-local date and time arithmetic across DST.
//! - [`policy`] — [`Policy::decide`], the decision itself.
//! - [`input`] — the JSON formats of debtor and history documents.

pub mod calendar;
pub mod facts;
pub mod input;
pub mod local_time;
pub mod policy;
pub mod profile;

pub use crate::campaign::channel::Channel;
pub use crate::domain::DebtorFlags;
pub use calendar::{ru_calendar, DayKind, HolidayCalendar};
pub use facts::{kind_of_outcome, Contact, ContactKind, DebtorFacts};
pub use input::{parse_debtor, parse_history, InputError};
pub use policy::{Budget, Decision, Policy, Rule};
pub use profile::{CountLimit, Counting, Period, Profile, Settings, Windows};
