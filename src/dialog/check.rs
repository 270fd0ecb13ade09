//! Validation of a flow (`softcall dialog check`): names, reachability, endings, templates, guards and the
//! disclosure rule (nothing about the debt before the person has confirmed their identity).

use crate::dialog::flow::{Flow, FlowError, Node, Pos, SetValue, Target};
use crate::dialog::guard::Guard;
use crate::dialog::nlu::{Intent, Lang};
use crate::dialog::template::placeholders;
use crate::dialog::vars::builtin;
use serde_saphyr::Spanned;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The flow must not be used.
    Error,
    /// Worth a look; does not fail the check.
    Warning,
}

/// Which rule a finding comes from (tests and tools match on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Not valid YAML or not the schema.
    Syntax,
    /// A node has no or several ways to continue.
    Structure,
    /// A reference to a node that does not exist.
    UnknownNode,
    /// An intent name that is not in the contract.
    UnknownIntent,
    /// A node the start never reaches.
    Unreachable,
    /// A node from which no ending can be reached.
    NoEnding,
    /// A template or guard variable nothing provides.
    UnknownVariable,
    /// A malformed template or guard.
    BadExpression,
    /// The debt is revealed before identity is confirmed.
    Disclosure,
    /// A setting out of range.
    Setting,
    /// A recommended flow-wide handler is missing.
    MissingHandler,
    /// A phrase grammar on a step whose answers are open (dates, amounts).
    Grammar,
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The flow file.
    pub path: PathBuf,
    /// Where in it.
    pub pos: Pos,
    /// Error or warning.
    pub severity: Severity,
    /// Which rule.
    pub rule: Rule,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.pos.line == 0 {
            return write!(f, "{}: {level}: {}", self.path.display(), self.message);
        }
        write!(
            f,
            "{}:{}:{}: {level}: {}",
            self.path.display(),
            self.pos.line,
            self.pos.column,
            self.message
        )
    }
}

/// Intents whose answers carry a date or an amount: a grammar on their step loses answers.
const OPEN_ANSWER_INTENTS: &[&str] = &["promise_to_pay", "callback"];

/// Flow-wide handlers every production flow should have.
pub const RECOMMENDED_HANDLERS: &[&str] = &["operator", "abuse", "stop_calls", "wrong_person"];

/// Reads and checks a flow file; a file that does not parse gives one syntax error.
pub fn check_file(path: &Path) -> Vec<Diagnostic> {
    match Flow::load(path) {
        Ok(flow) => check(&flow),
        Err(FlowError::Yaml {
            path,
            line,
            column,
            message,
        }) => vec![Diagnostic {
            path,
            pos: Pos { line, column },
            severity: Severity::Error,
            rule: Rule::Syntax,
            message,
        }],
        Err(FlowError::Io { path, source }) => vec![Diagnostic {
            path,
            pos: Pos::default(),
            severity: Severity::Error,
            rule: Rule::Syntax,
            message: format!("cannot read the flow file: {source}"),
        }],
    }
}

/// Checks a parsed flow.
pub fn check(flow: &Flow) -> Vec<Diagnostic> {
    let mut c = Checker {
        flow,
        out: Vec::new(),
    };
    c.settings();
    c.references();
    c.variables();
    c.reachability();
    c.endings();
    c.disclosure();
    c.handlers();
    c.out.sort_by_key(|d| (d.pos.line, d.pos.column));
    c.out
}

/// Whether any finding is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

struct Checker<'a> {
    flow: &'a Flow,
    out: Vec<Diagnostic>,
}

/// Edges of the graph: (from node, to node). `None` as destination is an ending.
fn successors(flow: &Flow, node: &Node) -> Vec<String> {
    let mut next = Vec::new();
    let mut push = |t: &Spanned<Target>| {
        for (name, _) in Target::destinations(t) {
            next.push(name.to_string());
        }
    };
    if let Some(t) = &node.next {
        push(t);
    }
    if let Some(listen) = &node.listen {
        for t in listen.on.values() {
            push(t);
        }
        if let Some(t) = &listen.no_match {
            push(t);
        }
        for (intent, t) in &flow.handlers {
            if !listen.on.contains_key(intent) {
                push(t);
            }
        }
    }
    next
}

fn is_ending(node: &Node) -> bool {
    node.hangup.is_some()
        || node.handoff.is_some()
        || node.callback.is_some()
        || node.listen.as_ref().is_some_and(|l| l.no_match.is_none())
}

fn confirms_identity(node: &Node) -> bool {
    node.set
        .get("identity_confirmed")
        .is_some_and(|v| v.value == SetValue::Bool(true))
}

/// Word stems that reveal a debt when said to anyone.
fn debt_words(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Ru => &[
            "задолж",
            "долг",
            "просроч",
            "оплат",
            "платеж",
            "платёж",
            "взыск",
            "погаш",
        ],
        Lang::En => &[
            "debt", "owe", "overdue", "past due", "payment", "balance", "collect",
        ],
    }
}

/// Why a node's prompt reveals the debt, if it does.
pub fn disclosure_reason(node: &Node, lang: Lang) -> Option<String> {
    let say = node.say.as_ref()?;
    if let Some(explicit) = node.discloses_debt {
        return explicit.then(|| "it is marked `discloses_debt: true`".to_string());
    }
    if let Ok(found) = placeholders(&say.value) {
        for p in found {
            if builtin(&p.name).is_some_and(|i| i.discloses_debt) {
                return Some(format!("it says `{{{}}}`", p.name));
            }
        }
    }
    let lower = say.value.to_lowercase();
    debt_words(lang)
        .iter()
        .find(|w| lower.contains(*w))
        .map(|w| format!("its text mentions \"{w}…\" (mark the node `discloses_debt: false` if it does not reveal the debt)"))
}

impl<'a> Checker<'a> {
    fn error(&mut self, pos: Pos, rule: Rule, message: String) {
        self.out.push(Diagnostic {
            path: self.flow.source.clone(),
            pos,
            severity: Severity::Error,
            rule,
            message,
        });
    }

    fn warning(&mut self, pos: Pos, rule: Rule, message: String) {
        self.out.push(Diagnostic {
            path: self.flow.source.clone(),
            pos,
            severity: Severity::Warning,
            rule,
            message,
        });
    }

    fn settings(&mut self) {
        let s = &self.flow.settings;
        if s.turn_limit == 0 {
            self.error(
                Pos::default(),
                Rule::Setting,
                "settings.turn_limit must be at least 1".into(),
            );
        }
        if !(0.0..=1.0).contains(&s.min_confidence) {
            self.error(
                Pos::default(),
                Rule::Setting,
                "settings.min_confidence must be between 0 and 1".into(),
            );
        }
        if s.low_confidence_limit == 0 {
            self.error(
                Pos::default(),
                Rule::Setting,
                "settings.low_confidence_limit must be at least 1".into(),
            );
        }
        if s.callback_hour > 23 {
            self.error(
                Pos::default(),
                Rule::Setting,
                "settings.callback_hour must be 0–23".into(),
            );
        }
    }

    fn target(&mut self, context: &str, t: &Spanned<Target>) {
        for (name, pos) in Target::destinations(t) {
            if !self.flow.nodes.contains_key(name) {
                self.error(
                    pos,
                    Rule::UnknownNode,
                    format!(
                        "{context} goes to unknown node `{name}`{}",
                        self.suggest(name)
                    ),
                );
            }
        }
        if let Target::Branches(branches) = &t.value {
            if branches.is_empty() {
                self.error(
                    Pos::of(t),
                    Rule::Structure,
                    format!("{context} has an empty branch list"),
                );
            }
            for b in branches {
                if let Some(g) = &b.guard {
                    self.guard(context, g);
                }
            }
        }
    }

    fn suggest(&self, name: &str) -> String {
        let close = self
            .flow
            .nodes
            .keys()
            .find(|k| edit_distance(k, name) <= 2)
            .map(|k| format!(" (did you mean `{k}`?)"));
        close.unwrap_or_default()
    }

    fn guard(&mut self, context: &str, g: &Spanned<String>) {
        match Guard::parse(&g.value) {
            Err(e) => self.error(Pos::of(g), Rule::BadExpression, format!("{context}: {e}")),
            Ok(guard) => {
                for var in guard.variables() {
                    if !self.is_known(var) {
                        self.error(
                            Pos::of(g),
                            Rule::UnknownVariable,
                            format!("{context}: guard reads `{var}`, which no debtor field, computed value or `set` provides"),
                        );
                    }
                }
            }
        }
    }

    fn intent(&mut self, context: &str, name: &str, pos: Pos) {
        if Intent::from_name(name).is_none() {
            self.error(
                pos,
                Rule::UnknownIntent,
                format!(
                    "{context}: unknown intent `{name}` (intents: {})",
                    Intent::ALL
                        .iter()
                        .map(|i| i.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }

    fn references(&mut self) {
        let flow = self.flow;
        if !flow.nodes.contains_key(&flow.start.value) {
            self.error(
                Pos::of(&flow.start),
                Rule::UnknownNode,
                format!("`start` names unknown node `{}`", flow.start.value),
            );
        }
        for (intent, t) in &flow.handlers {
            self.intent("handlers", intent, Pos::of(t));
            self.target(&format!("handler `{intent}`"), t);
        }
        for (name, spanned) in &flow.nodes {
            let node = &spanned.value;
            let pos = Pos::of(spanned);
            let exits = [
                node.listen.is_some(),
                node.next.is_some(),
                node.hangup.is_some(),
                node.handoff.is_some(),
                node.callback.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if exits != 1 {
                self.error(
                    pos,
                    Rule::Structure,
                    format!("node `{name}` must have exactly one of listen, next, hangup, handoff, callback (has {exits})"),
                );
            }
            if let Some(t) = &node.next {
                self.target(&format!("node `{name}`"), t);
            }
            if let Some(listen) = &node.listen {
                if !listen.grammar.is_empty() {
                    if let Some(open) = OPEN_ANSWER_INTENTS
                        .iter()
                        .find(|i| listen.on.contains_key(**i))
                    {
                        self.warning(
                            pos,
                            Rule::Grammar,
                            format!("node `{name}`: a phrase grammar narrows the recogniser, but `{open}` takes a date or an amount; remove `grammar` (keep grammars for closed answers such as yes/no or a menu)"),
                        );
                    }
                }
                for (intent, t) in &listen.on {
                    self.intent(&format!("node `{name}`"), intent, Pos::of(t));
                    self.target(&format!("node `{name}` on `{intent}`"), t);
                }
                if let Some(t) = &listen.no_match {
                    self.target(&format!("node `{name}` no_match"), t);
                }
                for (key, intent) in &listen.dtmf {
                    let valid_key = key.chars().count() == 1
                        && key
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
                    if !valid_key {
                        self.error(
                            Pos::of(intent),
                            Rule::Structure,
                            format!("node `{name}`: `{key}` is not a key; use one of 0-9, * and # (quote them)"),
                        );
                    }
                    self.intent(
                        &format!("node `{name}` key {key}"),
                        &intent.value,
                        Pos::of(intent),
                    );
                    if !listen.on.contains_key(&intent.value)
                        && !flow.handlers.contains_key(&intent.value)
                    {
                        self.warning(
                            Pos::of(intent),
                            Rule::UnknownIntent,
                            format!("node `{name}`: key {key} means `{}`, which this node does not handle", intent.value),
                        );
                    }
                }
            }
        }
    }

    fn known_vars(&self) -> BTreeSet<&'a str> {
        let flow: &'a Flow = self.flow;
        let mut known: BTreeSet<&'a str> = crate::dialog::vars::BUILTIN_VARS
            .iter()
            .map(|(n, _)| *n)
            .collect();
        for node in flow.nodes.values() {
            for key in node.value.set.keys() {
                known.insert(key.as_str());
            }
        }
        known
    }

    fn is_known(&self, var: &str) -> bool {
        builtin(var).is_some() || self.known_vars().contains(var)
    }

    fn variables(&mut self) {
        let flow = self.flow;
        let mut prompts: Vec<(String, &Spanned<String>)> = Vec::new();
        for (name, spanned) in &flow.nodes {
            if let Some(say) = &spanned.value.say {
                prompts.push((format!("node `{name}`"), say));
            }
            for (key, value) in &spanned.value.set {
                if let SetValue::Text(t) = &value.value {
                    if let Some(var) = t.strip_prefix('$') {
                        if !self.is_known(var) {
                            self.error(
                                Pos::of(value),
                                Rule::UnknownVariable,
                                format!("node `{name}`: `set {key}` copies `${var}`, which nothing provides"),
                            );
                        }
                    }
                }
            }
        }
        for (context, say) in prompts {
            match placeholders(&say.value) {
                Err(e) => self.error(
                    Pos::of(say),
                    Rule::BadExpression,
                    format!("{context}: prompt {e}"),
                ),
                Ok(found) => {
                    for p in found {
                        if !self.is_known(&p.name) {
                            self.error(
                                Pos::of(say),
                                Rule::UnknownVariable,
                                format!(
                                    "{context}: prompt uses `{{{}}}`, which no debtor field, computed value or `set` provides",
                                    p.name
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    fn reachability(&mut self) {
        let flow = self.flow;
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue = VecDeque::from([flow.start.value.clone()]);
        while let Some(name) = queue.pop_front() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(node) = flow.node(&name) {
                queue.extend(successors(flow, node));
            }
        }
        for (name, spanned) in &flow.nodes {
            if !seen.contains(name) {
                self.error(
                    Pos::of(spanned),
                    Rule::Unreachable,
                    format!("node `{name}` is unreachable from `{}`", flow.start.value),
                );
            }
        }
    }

    fn endings(&mut self) {
        let flow = self.flow;
        let mut predecessors: HashMap<String, Vec<&str>> = HashMap::new();
        for (name, node) in &flow.nodes {
            for next in successors(flow, &node.value) {
                predecessors.entry(next).or_default().push(name);
            }
        }
        let mut ends: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<&str> = flow
            .nodes
            .iter()
            .filter(|(_, n)| is_ending(&n.value))
            .map(|(k, _)| k.as_str())
            .collect();
        while let Some(name) = queue.pop_front() {
            if !ends.insert(name) {
                continue;
            }
            if let Some(preds) = predecessors.get(name) {
                queue.extend(preds.iter().copied());
            }
        }
        for (name, spanned) in &flow.nodes {
            if !ends.contains(name.as_str()) {
                self.error(
                    Pos::of(spanned),
                    Rule::NoEnding,
                    format!("node `{name}` can never reach an ending (hangup, handoff, callback); the call would loop"),
                );
            }
        }
    }

    fn disclosure(&mut self) {
        let flow = self.flow;
        let mut parent: HashMap<String, String> = HashMap::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue = VecDeque::from([flow.start.value.clone()]);
        while let Some(name) = queue.pop_front() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let Some(node) = flow.node(&name) else {
                continue;
            };
            if confirms_identity(node) {
                continue;
            }
            if let Some(reason) = disclosure_reason(node, flow.lang) {
                let mut route = vec![name.clone()];
                while let Some(p) = parent.get(route.last().map(String::as_str).unwrap_or_default())
                {
                    if route.contains(p) {
                        break;
                    }
                    route.push(p.clone());
                }
                route.reverse();
                let pos = node.say.as_ref().map(Pos::of).unwrap_or_default();
                self.error(
                    pos,
                    Rule::Disclosure,
                    format!(
                        "node `{name}` reveals the debt ({reason}) but is reachable before identity is confirmed: {} (set `identity_confirmed: true` once the person confirms)",
                        route.join(" → ")
                    ),
                );
            }
            for next in successors(flow, node) {
                if !seen.contains(&next) && !parent.contains_key(&next) {
                    parent.insert(next.clone(), name.clone());
                }
                queue.push_back(next);
            }
        }
    }

    fn handlers(&mut self) {
        // A flow that never listens (a message, a hand-off) needs no handlers.
        if !self.flow.nodes.values().any(|n| n.value.listen.is_some()) {
            return;
        }
        for h in RECOMMENDED_HANDLERS {
            if !self.flow.handlers.contains_key(*h) {
                self.warning(
                    Pos::default(),
                    Rule::MissingHandler,
                    format!("no flow-wide `{h}` handler; listening nodes that do not handle it treat it as a no-match"),
                );
            }
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut prev = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let cur = row[j];
            row[j] = (prev + usize::from(a[i - 1] != b[j - 1]))
                .min(row[j] + 1)
                .min(row[j - 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
