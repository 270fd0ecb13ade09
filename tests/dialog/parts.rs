//! Table tests for the small parts: guards, templates, durations, day counts.

use softcall::dialog::flow::parse_duration;
use softcall::dialog::guard::Guard;
use softcall::dialog::nlu::Lang;
use softcall::dialog::template::{placeholders, render};
use softcall::dialog::vars::{speak_days, Value, Vars};
use std::time::Duration;

fn vars() -> Vars {
    let mut v = Vars::default();
    v.put("broken_promises", Value::Number(2.0));
    v.put("heard_days", Value::Number(9.0));
    v.put("horizon_days", Value::Number(7.0));
    v.put("negotiated", Value::Bool(false));
    v.put("status", Value::Text("broken".into()));
    v.put("heard_date", Value::Null);
    v.put("who", Value::Text("Анна".into()));
    v
}

#[test]
fn guards_evaluate() {
    let cases = [
        ("broken_promises >= 2", true),
        ("broken_promises > 2", false),
        ("heard_days > horizon_days and not negotiated", true),
        ("heard_days > horizon_days and negotiated", false),
        ("negotiated or broken_promises == 2", true),
        ("not (negotiated or heard_date)", true),
        ("status == 'broken'", true),
        ("status != \"kept\"", true),
        ("heard_date", false),
        ("heard_date == null", true),
        ("missing", false),
        ("heard_days <= 9 and heard_days >= -1", true),
    ];
    for (text, expected) in cases {
        let guard = Guard::parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(guard.eval(&vars()), expected, "{text}");
    }
}

#[test]
fn bad_guards_are_rejected() {
    for text in ["", "a >=", "a >= >= 2", "(a", "a b", "a = 2", "'open"] {
        assert!(Guard::parse(text).is_err(), "{text:?} should not parse");
    }
}

#[test]
fn guard_lists_its_variables() {
    let g = Guard::parse("heard_days > horizon_days and not negotiated or 1 == 1").unwrap();
    assert_eq!(
        g.variables(),
        vec!["heard_days", "horizon_days", "negotiated"]
    );
}

#[test]
fn templates_render_and_list_placeholders() {
    assert_eq!(
        render("Здравствуйте, {who}!  {{скобки}}", &vars(), Lang::Ru),
        "Здравствуйте, Анна! {скобки}"
    );
    let found = placeholders("{a} и {extra.contract}").unwrap();
    assert_eq!(
        found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["a", "extra.contract"]
    );
    assert!(placeholders("{open").is_err());
    assert!(placeholders("stray }").is_err());
    assert!(placeholders("{bad name}").is_err());
}

#[test]
fn durations_parse() {
    assert_eq!(parse_duration("6s"), Some(Duration::from_secs(6)));
    assert_eq!(parse_duration("1500ms"), Some(Duration::from_millis(1500)));
    assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
    assert_eq!(parse_duration("3"), Some(Duration::from_secs(3)));
    assert_eq!(parse_duration("soon"), None);
    assert_eq!(parse_duration("5 parsecs"), None);
}

#[test]
fn day_counts_agree_with_the_number() {
    let ru = [
        (1, "один день"),
        (2, "два дня"),
        (4, "четыре дня"),
        (5, "пять дней"),
        (11, "одиннадцать дней"),
        (12, "двенадцать дней"),
        (21, "двадцать один день"),
        (22, "двадцать два дня"),
        (25, "двадцать пять дней"),
        (111, "сто одиннадцать дней"),
    ];
    for (n, text) in ru {
        assert_eq!(speak_days(n, Lang::Ru), text);
    }
    assert_eq!(speak_days(1, Lang::En), "one day");
    assert_eq!(speak_days(15, Lang::En), "fifteen days");
}
