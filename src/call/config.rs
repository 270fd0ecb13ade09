//! Settings of the call core: barge-in, the call's time limits, the hand-off and answering-machine detection.

use super::barge_in::BargeInRule;
use crate::audio::amd::{
    AmdConfig, AmdConfigError, AmdDetector, Creditor, MachinePolicy, MessageError, OnMachine,
};
use crate::dialog::nlu::Lang;
use crate::domain::DebtorRecord;
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
    /// Answering-machine detection after the answer, before the flow speaks (`None`: the flow starts at once).
    pub amd: Option<AmdSettings>,
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
            amd: None,
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

/// Answering-machine detection for one call: the detector's settings and what to do with a machine.
#[derive(Debug, Clone, PartialEq)]
pub struct AmdSettings {
    /// The classifier's parameters (`[amd]`).
    pub detector: AmdConfig,
    /// Hang up on a machine, or leave the message.
    pub on_machine: OnMachine,
    /// The limited-content message, filled for this call's creditor (`Some` exactly when leaving messages).
    pub message: Option<String>,
}

/// Why answering-machine detection cannot be set up for a call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AmdSettingsError {
    /// A detector parameter is unusable.
    #[error(transparent)]
    Detector(#[from] AmdConfigError),
    /// The message policy or the creditor settings are unusable.
    #[error(transparent)]
    Message(#[from] MessageError),
}

impl AmdSettings {
    /// Checks the detector's parameters and fills the policy's message for `creditor` (only a `leave_message`
    /// policy needs the creditor's name and phone).
    pub fn new(
        detector: AmdConfig,
        policy: &MachinePolicy,
        creditor: &Creditor,
    ) -> Result<Self, AmdSettingsError> {
        detector.validate()?;
        let message = policy.message_for(creditor)?;
        Ok(Self {
            detector,
            on_machine: policy.on_machine,
            message,
        })
    }

    /// A detector for one call.
    pub fn start_detector(&self) -> Result<AmdDetector, AmdConfigError> {
        AmdDetector::new(self.detector.clone())
    }
}

/// The creditor a debtor's record names, for the voicemail message (empty when the record has none).
pub fn creditor_of(debtor: &DebtorRecord) -> Creditor {
    Creditor {
        name: debtor.creditor.clone().unwrap_or_default(),
        phone: debtor.creditor_phone_text(),
    }
}

/// The default voicemail message template of a language: the creditor's name and phone, nothing else.
pub fn voicemail_template(lang: Lang) -> &'static str {
    match lang {
        Lang::Ru => "Здравствуйте, это {creditor}. Пожалуйста, перезвоните нам по номеру {creditor_phone}. Спасибо.",
        Lang::En => "Hello, this is {creditor}. Please call us back at {creditor_phone}. Thank you.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::amd::message::validate_message;

    #[test]
    fn the_default_voicemail_templates_keep_to_the_third_party_rule() {
        for lang in [Lang::Ru, Lang::En] {
            assert_eq!(
                validate_message(voicemail_template(lang)),
                Ok(()),
                "{lang:?}"
            );
        }
    }

    #[test]
    fn settings_fill_the_message_and_refuse_what_cannot_be_used() {
        let creditor = Creditor {
            name: "QuickCash Lending".into(),
            phone: "1 800 555 0199".into(),
        };
        let leave = MachinePolicy {
            on_machine: OnMachine::LeaveMessage,
            message: Some(voicemail_template(Lang::En).into()),
        };
        let settings = AmdSettings::new(AmdConfig::default(), &leave, &creditor).expect("valid");
        assert_eq!(
            settings.message.as_deref(),
            Some("Hello, this is QuickCash Lending. Please call us back at 1 800 555 0199. Thank you.")
        );
        let hang_up = AmdSettings::new(AmdConfig::default(), &MachinePolicy::default(), &creditor)
            .expect("valid");
        assert_eq!(hang_up.message, None);
        let no_phone = Creditor {
            phone: String::new(),
            ..creditor.clone()
        };
        assert_eq!(
            AmdSettings::new(AmdConfig::default(), &leave, &no_phone),
            Err(AmdSettingsError::Message(MessageError::EmptyCreditor(
                "phone"
            )))
        );
        let bad = AmdConfig {
            window_ms: 0,
            ..AmdConfig::default()
        };
        assert!(matches!(
            AmdSettings::new(bad, &MachinePolicy::default(), &creditor),
            Err(AmdSettingsError::Detector(_))
        ));
    }
}
