//! Column headers of debtor and payment lists, in English and Russian, mapped to the fields they carry.

/// A field of a debtor list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DebtorField {
    /// The loan system's id of the debtor or contract: the key for re-imports.
    ExternalId,
    /// Full name.
    FullName,
    /// A phone (several columns, or several numbers in one cell, allowed).
    Phone,
    /// IANA time zone or MSK offset.
    TimeZone,
    /// Russian region (name or code), mapped to a time zone.
    Region,
    /// Amount due.
    AmountDue,
    /// Currency of the amount.
    Currency,
    /// The date the payment was due.
    DueDate,
    /// Days overdue as of the import date (when no due date is given).
    DaysOverdue,
    /// Loan product.
    Product,
    /// Creditor's name.
    Creditor,
    /// The creditor's official phone (said in calls and voicemail messages).
    CreditorPhone,
    /// The debtor's language code (`ru`, `en`).
    Language,
    /// E-mail address.
    Email,
    /// Number of earlier delinquencies (0 = first delinquency).
    PriorDelinquencies,
    /// Debtor is in bankruptcy.
    Bankruptcy,
    /// Debtor is in hospital.
    Hospital,
    /// Debtor is a minor.
    Minor,
    /// Debtor has disability group I.
    DisabilityGroup1,
    /// Debtor's written consent to talk with third parties is on file.
    ThirdPartyConsent,
}

impl DebtorField {
    /// What a person calls the field, for messages ("the external id").
    pub fn label(self) -> &'static str {
        match self {
            DebtorField::ExternalId => "external id",
            DebtorField::FullName => "full name",
            DebtorField::Phone => "phone",
            DebtorField::TimeZone => "time zone",
            DebtorField::Region => "region",
            DebtorField::AmountDue => "amount due",
            DebtorField::Currency => "currency",
            DebtorField::DueDate => "due date",
            DebtorField::DaysOverdue => "days overdue",
            DebtorField::Product => "product",
            DebtorField::Creditor => "creditor",
            DebtorField::CreditorPhone => "creditor's phone",
            DebtorField::Language => "language",
            DebtorField::Email => "e-mail",
            DebtorField::PriorDelinquencies => "earlier delinquencies",
            DebtorField::Bankruptcy => "bankruptcy flag",
            DebtorField::Hospital => "hospital flag",
            DebtorField::Minor => "minor flag",
            DebtorField::DisabilityGroup1 => "disability group I flag",
            DebtorField::ThirdPartyConsent => "third-party consent flag",
        }
    }
}

/// Accepted header names per debtor field (compared after lower-casing and folding `ё`, `_`, `-`, `.`).
pub const DEBTOR_ALIASES: &[(DebtorField, &[&str])] = &[
    (
        DebtorField::ExternalId,
        &[
            "external id",
            "external_id",
            "id",
            "debtor id",
            "client id",
            "contract",
            "contract id",
            "loan id",
            "account",
            "внешний id",
            "id должника",
            "id клиента",
            "номер договора",
            "договор",
            "ид",
        ],
    ),
    (
        DebtorField::FullName,
        &[
            "full name",
            "name",
            "fio",
            "debtor",
            "фио",
            "имя",
            "должник",
            "клиент",
            "заемщик",
            "заёмщик",
        ],
    ),
    (
        DebtorField::Phone,
        &[
            "phone",
            "phones",
            "mobile",
            "tel",
            "телефон",
            "телефоны",
            "тел",
            "мобильный",
            "моб телефон",
        ],
    ),
    (
        DebtorField::TimeZone,
        &[
            "time zone",
            "timezone",
            "tz",
            "часовой пояс",
            "таймзона",
            "пояс",
        ],
    ),
    (
        DebtorField::Region,
        &[
            "region",
            "регион",
            "субъект",
            "субъект рф",
            "область",
            "регион проживания",
        ],
    ),
    (
        DebtorField::AmountDue,
        &[
            "amount due",
            "amount",
            "debt",
            "balance",
            "сумма долга",
            "сумма",
            "задолженность",
            "долг",
            "сумма задолженности",
            "сумма просрочки",
        ],
    ),
    (DebtorField::Currency, &["currency", "валюта"]),
    (
        DebtorField::DueDate,
        &[
            "due date",
            "due",
            "дата погашения",
            "срок оплаты",
            "дата платежа по графику",
            "дата выхода на просрочку",
        ],
    ),
    (
        DebtorField::DaysOverdue,
        &[
            "days overdue",
            "dpd",
            "дней просрочки",
            "дни просрочки",
            "просрочка дней",
            "просрочка",
        ],
    ),
    (
        DebtorField::Product,
        &["product", "продукт", "тип займа", "тип кредита"],
    ),
    (
        DebtorField::Creditor,
        &["creditor", "lender", "кредитор", "займодавец"],
    ),
    (
        DebtorField::CreditorPhone,
        &[
            "creditor phone",
            "lender phone",
            "телефон кредитора",
            "телефон займодавца",
            "телефон для связи с кредитором",
        ],
    ),
    (
        DebtorField::Language,
        &["language", "lang", "язык", "язык общения", "язык клиента"],
    ),
    (
        DebtorField::Email,
        &[
            "email",
            "e mail",
            "mail",
            "почта",
            "эл почта",
            "электронная почта",
        ],
    ),
    (
        DebtorField::PriorDelinquencies,
        &[
            "prior delinquencies",
            "previous delinquencies",
            "прошлых просрочек",
            "число прошлых просрочек",
            "повторная просрочка",
        ],
    ),
    (
        DebtorField::Bankruptcy,
        &["bankruptcy", "bankrupt", "банкротство", "банкрот"],
    ),
    (
        DebtorField::Hospital,
        &[
            "hospital",
            "in hospital",
            "в больнице",
            "стационар",
            "госпитализирован",
        ],
    ),
    (DebtorField::Minor, &["minor", "несовершеннолетний"]),
    (
        DebtorField::DisabilityGroup1,
        &[
            "disability group 1",
            "disability group i",
            "disability 1",
            "инвалидность 1 группы",
            "инвалид 1 группы",
            "инвалидность i группы",
        ],
    ),
    (
        DebtorField::ThirdPartyConsent,
        &[
            "third party consent",
            "consent",
            "согласие третьих лиц",
            "согласие на взаимодействие с третьими лицами",
            "согласие",
        ],
    ),
];

/// A field of a payment list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentField {
    /// The debtor's external id.
    ExternalId,
    /// Amount paid.
    Amount,
    /// Day of the payment.
    PaidOn,
    /// Payment reference (makes re-imports of the same file idempotent).
    Reference,
}

impl PaymentField {
    /// What a person calls the field, for messages ("the payment date").
    pub fn label(self) -> &'static str {
        match self {
            PaymentField::ExternalId => "external id",
            PaymentField::Amount => "amount paid",
            PaymentField::PaidOn => "payment date",
            PaymentField::Reference => "payment reference",
        }
    }
}

/// Accepted header names per payment field.
pub const PAYMENT_ALIASES: &[(PaymentField, &[&str])] = &[
    (
        PaymentField::ExternalId,
        &[
            "external id",
            "id",
            "debtor id",
            "contract",
            "contract id",
            "loan id",
            "внешний id",
            "id должника",
            "номер договора",
            "договор",
        ],
    ),
    (
        PaymentField::Amount,
        &[
            "amount",
            "sum",
            "paid",
            "сумма",
            "сумма платежа",
            "оплачено",
        ],
    ),
    (
        PaymentField::PaidOn,
        &[
            "date",
            "paid on",
            "payment date",
            "дата",
            "дата платежа",
            "дата оплаты",
        ],
    ),
    (
        PaymentField::Reference,
        &[
            "reference",
            "payment id",
            "ref",
            "номер платежа",
            "id платежа",
            "референс",
        ],
    ),
];

/// Normalises a header for comparison: lower case, `ё`→`е`, `_ - . № #` as spaces, spaces collapsed.
pub fn normalize(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace('ё', "е")
        .chars()
        .map(|c| {
            if matches!(c, '_' | '-' | '.' | '№' | '#' | '/' | '(' | ')') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Finds the field a header names; numbered phone columns (`phone2`, `Телефон 3`) map to the phone field.
pub fn lookup<F: Copy>(aliases: &[(F, &[&str])], header: &str) -> Option<F> {
    let key = normalize(header);
    let find = |k: &str| {
        aliases
            .iter()
            .find(|(_, names)| names.iter().any(|n| normalize(n) == k))
            .map(|(f, _)| *f)
    };
    if let Some(f) = find(&key) {
        return Some(f);
    }
    let unnumbered = key
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .trim_end();
    if unnumbered != key {
        return find(unnumbered);
    }
    None
}

/// The accepted names of one field, for error messages.
pub fn names_of<F: PartialEq>(aliases: &[(F, &[&str])], field: F) -> String {
    aliases
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, names)| names.join(", "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_and_english_headers() {
        assert_eq!(lookup(DEBTOR_ALIASES, "ФИО"), Some(DebtorField::FullName));
        assert_eq!(
            lookup(DEBTOR_ALIASES, "Full_Name"),
            Some(DebtorField::FullName)
        );
        assert_eq!(
            lookup(DEBTOR_ALIASES, "Телефон 2"),
            Some(DebtorField::Phone)
        );
        assert_eq!(lookup(DEBTOR_ALIASES, "phone3"), Some(DebtorField::Phone));
        assert_eq!(
            lookup(DEBTOR_ALIASES, "\u{feff}external_id"),
            Some(DebtorField::ExternalId)
        );
        assert_eq!(
            lookup(DEBTOR_ALIASES, "Инвалидность 1 группы"),
            Some(DebtorField::DisabilityGroup1)
        );
        assert_eq!(
            lookup(DEBTOR_ALIASES, "Сумма долга"),
            Some(DebtorField::AmountDue)
        );
        assert_eq!(
            lookup(DEBTOR_ALIASES, "Телефон кредитора"),
            Some(DebtorField::CreditorPhone)
        );
        assert_eq!(
            lookup(DEBTOR_ALIASES, "creditor_phone"),
            Some(DebtorField::CreditorPhone)
        );
        assert_eq!(lookup(DEBTOR_ALIASES, "Язык"), Some(DebtorField::Language));
        assert_eq!(
            lookup(DEBTOR_ALIASES, "language"),
            Some(DebtorField::Language)
        );
        assert_eq!(lookup(DEBTOR_ALIASES, "менеджер"), None);
        assert_eq!(
            lookup(PAYMENT_ALIASES, "Дата платежа"),
            Some(PaymentField::PaidOn)
        );
    }
}
