//! Understanding with the debtor's name: "I am not <name>" is `wrong_person`, while the same words without the
//! name keep their own meaning.

use chrono::NaiveDate;
use softcall::dialog::nlu::{understand_for, Intent, Lang};

fn intent(text: &str, lang: Lang, name: &str) -> Intent {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).expect("a real date");
    understand_for(text, lang, today, name).intent
}

#[test]
fn not_the_named_person_is_wrong_person_in_any_case_of_the_name() {
    let rows = [
        ("я не иван петров", Lang::Ru, "Петров Иван Сергеевич"),
        ("это не ивана телефон", Lang::Ru, "Петров Иван Сергеевич"),
        ("петрова здесь нет", Lang::Ru, "Петров Иван Сергеевич"),
        ("я не мария", Lang::Ru, "Мария Волкова"),
        ("i am not john smith", Lang::En, "John Smith"),
        ("no this is not john", Lang::En, "John Smith"),
        ("smith is not here", Lang::En, "John Smith"),
    ];
    for (text, lang, name) in rows {
        assert_eq!(
            intent(text, lang, name),
            Intent::WrongPerson,
            "{text} ({name})"
        );
    }
}

#[test]
fn the_same_words_without_the_name_keep_their_meaning() {
    let rows = [
        ("i am not paying", Lang::En, "John Smith", Intent::Refuse),
        ("платить не буду", Lang::Ru, "Вера Петрова", Intent::Refuse),
        ("да это я", Lang::Ru, "Вера Петрова", Intent::Confirm),
    ];
    for (text, lang, name, want) in rows {
        assert_eq!(intent(text, lang, name), want, "{text} ({name})");
    }
    // A name's stem with a non-case ending is another word: "верну" is not Вера.
    assert_ne!(
        intent("я не верну", Lang::Ru, "Вера Петрова"),
        Intent::WrongPerson
    );
}
