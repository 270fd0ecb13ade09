//! Every ending of both shipped flows through `softcall dialog chat --script`, as a user runs it: at each
//! listening step, every intent (whether the step, the flow's handlers or its no-match path takes it), every key
//! the step maps, and silence. The scripts are generated from the flow, so a new step or intent is covered
//! without editing this test.

use super::{load_debtor, load_flow, repo, today, Call, SHIPPED};
use softcall::dialog::engine::Event;
use softcall::dialog::flow::Flow;
use softcall::dialog::nlu::{understand, Intent, Lang};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::process::Command;

/// Utterances for every intent in both languages, as Vosk would write them (checked against the understanding
/// layer); promises both within and beyond the flows' horizon.
const PHRASES: &[(Intent, &str, &str)] = &[
    (
        Intent::PromiseToPay,
        "заплачу завтра",
        "i will pay tomorrow",
    ),
    (
        Intent::PromiseToPay,
        "заплачу тридцатого декабря",
        "i will pay on december thirtieth",
    ),
    (Intent::Confirm, "да это я", "yes speaking"),
    (Intent::Deny, "нет", "no"),
    (Intent::WrongPerson, "вы ошиблись номером", "wrong number"),
    (Intent::AlreadyPaid, "я уже оплатил вчера", "i paid already"),
    (Intent::Refuse, "платить не буду", "i'm not paying"),
    (
        Intent::StopCalls,
        "не звоните мне больше",
        "stop calling me",
    ),
    (
        Intent::CannotPay,
        "денег нет потерял работу",
        "i can't afford it right now",
    ),
    (
        Intent::Dispute,
        "я не брал этот кредит",
        "that's not my debt",
    ),
    (
        Intent::Callback,
        "перезвоните вечером",
        "i'm driving call me later",
    ),
    (
        Intent::Operator,
        "соедините с оператором",
        "can i talk to a real person",
    ),
    (Intent::Question, "сколько я должен", "how much do i owe"),
    (Intent::Abuse, "иди ты к чёрту урод", "screw you idiot"),
    (Intent::Unknown, "синий трактор", "blue tractor"),
];

/// The test phrases of `lang`.
fn phrases(lang: Lang) -> impl Iterator<Item = &'static str> {
    PHRASES.iter().map(move |(_, ru, en)| match lang {
        Lang::Ru => *ru,
        Lang::En => *en,
    })
}

/// The script lines to try at a listening step: each intent, each mapped key, silence.
fn inputs(flow: &Flow, node: &str) -> Vec<String> {
    let mut lines: Vec<String> = phrases(flow.lang).map(str::to_string).collect();
    if let Some(listen) = flow.nodes[node].value.listen.as_ref() {
        lines.extend(listen.dtmf.keys().map(|k| format!("#{k}")));
    }
    lines.push("(silence)".into());
    lines
}

/// The event `dialog chat` makes of a script line.
fn event(line: &str) -> Event {
    match line {
        "(silence)" => Event::SilenceTimeout,
        key if key.starts_with('#') => Event::Dtmf(key.chars().nth(1).expect("a key after #")),
        text => Event::Utterance {
            text: text.to_string(),
            confidence: 1.0,
        },
    }
}

/// The shortest script reaching each listening step of shipped flow `i` (breadth first, in process).
fn scripts_to_each_step(i: usize) -> BTreeMap<String, Vec<String>> {
    let (flow_path, debtor_path) = SHIPPED[i];
    let flow = load_flow(flow_path);
    let mut reached = BTreeMap::new();
    let mut queue = VecDeque::from([Vec::<String>::new()]);
    while let Some(script) = queue.pop_front() {
        let mut call = Call::start(flow.clone(), load_debtor(debtor_path));
        for line in &script {
            call.send(event(line));
        }
        if call.engine.is_finished() {
            continue;
        }
        let node = call.engine.current_node().to_string();
        if reached.contains_key(&node) {
            continue;
        }
        for line in inputs(&flow, &node) {
            queue.push_back([script.clone(), vec![line]].concat());
        }
        reached.insert(node, script);
    }
    reached
}

#[test]
fn the_test_phrases_mean_their_intents() {
    for intent in Intent::ALL {
        assert!(
            PHRASES.iter().any(|(i, ..)| *i == intent),
            "no test phrase for intent {}",
            intent.name()
        );
    }
    for &(intent, ru, en) in PHRASES {
        for (lang, text) in [(Lang::Ru, ru), (Lang::En, en)] {
            assert_eq!(
                understand(text, lang, today()).intent,
                intent,
                "`{text}` ({lang:?})"
            );
        }
    }
}

#[test]
fn chat_script_ends_every_path_of_both_shipped_flows_without_a_crash() {
    for (i, (flow_path, debtor_path)) in SHIPPED.iter().enumerate() {
        let flow = load_flow(flow_path);
        let steps = scripts_to_each_step(i);
        let listening: BTreeSet<&str> = flow
            .nodes
            .iter()
            .filter(|(_, n)| n.value.listen.is_some())
            .map(|(name, _)| name.as_str())
            .collect();
        let reached: BTreeSet<&str> = steps.keys().map(String::as_str).collect();
        assert_eq!(
            reached, listening,
            "{flow_path}: the example debtor reaches every listening step"
        );
        let dir = tempfile::tempdir().unwrap();
        let cases: Vec<(String, Vec<String>)> = steps
            .iter()
            .flat_map(|(node, prefix)| {
                inputs(&flow, node).into_iter().map(move |line| {
                    // Silence after the tried input lets every path run out to an ending.
                    let mut script = prefix.clone();
                    script.push(line.clone());
                    script.extend(std::iter::repeat_n("(silence)".to_string(), 8));
                    (format!("{node} <- {line}"), script)
                })
            })
            .collect();
        let mut ended_at = BTreeSet::new();
        for (n, (case, script)) in cases.iter().enumerate() {
            let file = dir.path().join(format!("case{n}.txt"));
            std::fs::write(&file, script.join("\n")).unwrap();
            let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
                .args(["dialog", "chat", flow_path, "--debtor", debtor_path])
                .args(["--today", &today().to_string(), "--script"])
                .arg(&file)
                .current_dir(repo(""))
                .output()
                .expect("softcall runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{flow_path}: {case}: {stderr}");
            let report: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{flow_path}: {case}: no JSON ({e}): {stderr}"));
            assert_eq!(report["finished"], true, "{flow_path}: {case}: {report}");
            assert!(
                report["outcome"].is_string(),
                "{flow_path}: {case}: {report}"
            );
            let path = report["path"].as_array().expect("a path");
            ended_at.insert(
                path.last()
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
            );
        }
        let endings: BTreeSet<String> = flow
            .nodes
            .iter()
            .filter(|(_, n)| n.value.hangup.is_some() || n.value.handoff.is_some())
            .map(|(name, _)| name.clone())
            .collect();
        let missed: Vec<&String> = endings.difference(&ended_at).collect();
        assert!(
            missed.is_empty(),
            "{flow_path}: no generated script ends at {missed:?}"
        );
    }
}
