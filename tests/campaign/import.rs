//! List import against SQLite: the shared store scenarios plus file-level errors.

use chrono::{NaiveDate, Utc};

use softcall::campaign::import::ImportError;
use softcall::ops::lists::{import_debtors, DebtorImport, ListError};

use super::{block_on, data, scenarios, sqlite_store};

fn opts(strict: bool) -> DebtorImport {
    DebtorImport {
        campaign: "files".into(),
        as_of: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        strict_columns: strict,
        skip_invalid: false,
        rejects: None,
        now: Utc::now(),
    }
}

#[test]
fn sqlite_import_and_reimport() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        scenarios::import_and_reimport(&store).await;
    });
}

#[test]
fn sqlite_reimport_keeps_payments_and_hand_overs() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        scenarios::reimport_keeps_payments_and_hand_overs(&store).await;
    });
}

#[test]
fn sqlite_language_and_creditor_phone() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        scenarios::language_and_creditor_phone(&store).await;
    });
}

#[test]
fn sqlite_all_or_nothing() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        scenarios::all_or_nothing(&store).await;
    });
}

#[test]
fn sqlite_history_promises_and_payments() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        scenarios::history_promises_and_payments(&store).await;
    });
}

#[test]
fn sqlite_inbound_contacts() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        scenarios::inbound_contacts(&store).await;
    });
}

#[test]
fn sqlite_crash_recovery() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        scenarios::crash_recovery(&store).await;
    });
}

#[test]
fn file_level_errors_name_file_and_line() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        let run = |name: &'static str, strict: bool| {
            let store = store.clone();
            async move {
                import_debtors(&store, &data(name), &opts(strict), &|_, _| {})
                    .await
                    .unwrap_err()
            }
        };
        let e = run("debtors_malformed.csv", false).await;
        assert!(
            matches!(e, ListError::Import(ImportError::Malformed { line: 2, .. })),
            "{e}"
        );
        assert!(
            e.to_string()
                .contains("debtors_malformed.csv:2: malformed CSV"),
            "{e}"
        );

        let e = run("debtors_wrong_field_count.csv", false).await;
        assert!(e.to_string().contains("debtors_wrong_field_count.csv:3: malformed CSV: row has 4 fields but the header has 6"), "{e}");

        let e = run("debtors_missing_column.csv", false).await;
        assert!(
            matches!(&e, ListError::Import(ImportError::MissingColumn { field, .. }) if field == "phone"),
            "{e}"
        );
        assert!(
            e.to_string().contains(
                "debtors_missing_column.csv:1: no column gives the phone; name one of the columns: phone"
            ),
            "{e}"
        );

        let e = run("debtors_utf8_bom_comma.csv", true).await;
        assert!(
            e.to_string().contains("unknown columns `loan_channel`"),
            "{e}"
        );

        let e = run("debtors_duplicate_id.csv", false).await.to_string();
        assert!(
            e.contains("debtors_duplicate_id.csv:4: column `external_id`: external id `G-1` repeats line 2"),
            "{e}"
        );
        assert!(
            e.contains("debtors_duplicate_id.csv:5: column `region`: unknown region `Атлантида`"),
            "{e}"
        );

        let missing = import_debtors(&store, &data("no_such_file.csv"), &opts(false), &|_, _| {})
            .await
            .unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("no_such_file.csv: cannot read the file"),
            "{missing}"
        );
        assert!(
            store.campaign("files").await.is_err(),
            "no campaign was created by failed imports"
        );
    });
}

#[test]
fn progress_reports_reach_the_total() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        let seen = std::sync::Mutex::new(Vec::new());
        import_debtors(
            &store,
            &data("debtors_cp1251_semicolon.csv"),
            &opts(false),
            &|done, total| seen.lock().unwrap().push((done, total)),
        )
        .await
        .unwrap();
        assert_eq!(seen.lock().unwrap().last(), Some(&(3, 3)));
    });
}

#[test]
fn example_list_imports_cleanly() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/debtors.csv");
        let r = import_debtors(&store, &path, &opts(false), &|_, _| {})
            .await
            .unwrap();
        assert_eq!((r.rows, r.counts.inserted, r.rejected.len()), (5, 5, 0));
        assert_eq!(
            r.unknown_columns,
            vec!["Канал выдачи".to_string()],
            "kept as a template field"
        );
        let d = store
            .debtor(store.debtor_id("L-0001002").await.unwrap())
            .await
            .unwrap();
        assert_eq!(
            d.record.phones,
            vec!["+79162223344".to_string(), "+74951234567".to_string()]
        );
        assert!(d.record.flags.third_party_consent);
        assert_eq!(d.record.language, Some(softcall::domain::Lang::Ru));
        assert_eq!(d.record.creditor_phone.as_deref(), Some("+78005553535"));
    });
}

#[test]
fn schema_files_match_their_source() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let source = std::fs::read_to_string(root.join("schema.sql.in")).unwrap();
    for (dir, id) in [
        ("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT"),
        (
            "postgres",
            "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        ),
    ] {
        let generated = std::fs::read_to_string(root.join(dir).join("0001_schema.sql")).unwrap();
        assert_eq!(
            generated,
            source.replace("@ID@", id),
            "migrations/{dir} is stale: regenerate it (see migrations/README.md)"
        );
    }
    // Later versions are one file copied to both dialects.
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "0001_schema.sql")
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(names("sqlite").iter().any(|n| n.starts_with("0006_")));
    for name in names("sqlite") {
        assert_eq!(
            std::fs::read_to_string(root.join("sqlite").join(&name)).unwrap(),
            std::fs::read_to_string(root.join("postgres").join(&name)).unwrap(),
            "migrations/*/{name} differ between the dialects"
        );
    }
}

#[test]
fn later_migrations_are_the_same_for_both_back_ends() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |dir: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "0001_schema.sql")
            .collect();
        v.sort();
        v
    };
    let later = names("sqlite");
    assert!(later.len() >= 3, "{later:?}");
    assert_eq!(later, names("postgres"));
    for name in &later {
        assert_eq!(
            std::fs::read_to_string(root.join("sqlite").join(name)).unwrap(),
            std::fs::read_to_string(root.join("postgres").join(name)).unwrap(),
            "migrations/sqlite/{name} and migrations/postgres/{name} differ: write it once, copy it to both"
        );
    }
}
