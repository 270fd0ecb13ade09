//! Runs `tests/data/nlu/{ru,en}.tsv` (text, today, intent, date, amount) through `understand`.

use chrono::NaiveDate;
use softcall::dialog::nlu::{understand, Lang};
use std::path::PathBuf;

fn table_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nlu")
        .join(name)
}

/// Checks every row; returns (rows, failure descriptions).
fn run_table(name: &str, lang: Lang) -> (usize, Vec<String>) {
    let path = table_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut failures = Vec::new();
    let mut rows = 0;
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            cols.len(),
            5,
            "{name}:{}: expected 5 tab-separated columns",
            n + 1
        );
        rows += 1;
        let today = NaiveDate::parse_from_str(cols[1], "%Y-%m-%d")
            .unwrap_or_else(|e| panic!("{name}:{}: bad today `{}`: {e}", n + 1, cols[1]));
        let want_date = match cols[3] {
            "-" | "" => None,
            d => Some(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .unwrap_or_else(|e| panic!("{name}:{}: bad date `{d}`: {e}", n + 1)),
            ),
        };
        let want_amount: Option<f64> = match cols[4] {
            "-" | "" => None,
            a => Some(
                a.parse()
                    .unwrap_or_else(|e| panic!("{name}:{}: bad amount `{a}`: {e}", n + 1)),
            ),
        };
        let got = understand(cols[0], lang, today);
        let intent_ok = got.intent.name() == cols[2];
        let date_ok = got.date == want_date;
        let amount_ok = match (got.amount, want_amount) {
            (None, None) => true,
            (Some(a), Some(b)) => (a - b).abs() < 0.005,
            _ => false,
        };
        if !(intent_ok && date_ok && amount_ok) {
            failures.push(format!(
                "{name}:{}: `{}` → {} {:?} {:?}; want {} {:?} {:?}",
                n + 1,
                cols[0],
                got.intent.name(),
                got.date,
                got.amount,
                cols[2],
                want_date,
                want_amount
            ));
        }
    }
    (rows, failures)
}

fn check(name: &str, lang: Lang, min_rows: usize) {
    let (rows, failures) = run_table(name, lang);
    assert!(
        rows >= min_rows,
        "{name}: only {rows} rows, want at least {min_rows}"
    );
    let passed = rows - failures.len();
    println!("{name}: {passed}/{rows} rows pass");
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {rows} rows fail (listed above)",
        failures.len()
    );
}

#[test]
fn russian_table() {
    check("ru.tsv", Lang::Ru, 150);
}

#[test]
fn english_table() {
    check("en.tsv", Lang::En, 80);
}
