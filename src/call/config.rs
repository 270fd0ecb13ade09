//! Settings of the call core: barge-in, the call's time limits and the hand-off.

use super::barge_in::BargeInRule;
use crate::dialog::nlu::Lang;
use std::time::Duration;

/// How one call is conducted.
#[derive(Debug, Clone, PartialEq)]
pub struct CallConfig {
    /// When debtor speech interrupts a prompt.
    pub barge_in: BargeInRule,
    /// Nothing heard from the debtor for this long (outside prompts) ends the call.
    pub silence_limit: Duration,
    /// The longest a call may last.
    pub max_length: Duration,
    /// The agent queue hand-offs go to (`None`: no queue; a hand-off becomes a callback task).
    pub transfer_target: Option<String>,
    /// How long to wait for the agent queue to take a transfer.
    pub transfer_timeout: Duration,
    /// What the debtor hears when a transfer fails (`None`: the default of the flow's language).
    pub transfer_failed_message: Option<String>,
}

impl Default for CallConfig {
    fn default() -> Self {
        Self {
            barge_in: BargeInRule::default(),
            silence_limit: Duration::from_secs(30),
            max_length: Duration::from_secs(600),
            transfer_target: None,
            transfer_timeout: Duration::from_secs(30),
            transfer_failed_message: None,
        }
    }
}

/// What the debtor hears when the campaign stops during the call.
pub fn stopping_message(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => {
            "Извините, сейчас нам нужно закончить разговор. Мы вам перезвоним. До свидания."
        }
        Lang::En => "I'm sorry, we have to end this call now. We will call you back. Goodbye.",
    }
}

/// The default message after a failed transfer.
pub fn transfer_failed_message(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "К сожалению, сейчас все специалисты заняты. Мы обязательно вам перезвоним. До свидания.",
        Lang::En => "I'm sorry, no specialist is available right now. We will call you back. Goodbye.",
    }
}
