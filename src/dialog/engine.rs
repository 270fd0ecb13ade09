//! The dialogue engine: deterministic and free of I/O. Events in (what the debtor did, with the time), actions
//! out (what the call should do). The call conductor and the tests drive it the same way.

use crate::dialog::context::CallContext;
use crate::dialog::flow::{Flow, Listen, Node, SetValue, Target};
use crate::dialog::guard::Guard;
use crate::dialog::nlu::{understand_for, Intent, Understanding};
use crate::dialog::template::render;
use crate::dialog::vars::{Value, Vars};
use crate::domain::Disposition;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Most nodes entered in one step without listening; more means the flow loops and the call is handed off.
const MAX_STEPS_WITHOUT_LISTENING: usize = 64;

/// Something that happened on the call.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Recognised speech and the recogniser's confidence (0..1).
    Utterance {
        /// The recognised text.
        text: String,
        /// Recogniser confidence, 0..1.
        confidence: f64,
    },
    /// An utterance already understood elsewhere (confidence 1).
    Understood(Understanding),
    /// A key press (`0`–`9`, `*`, `#`).
    Dtmf(char),
    /// The debtor said nothing for the listening node's timeout.
    SilenceTimeout,
    /// The debtor started talking during a prompt.
    BargeIn,
    /// All prompts given so far have been played.
    PlaybackFinished,
    /// The debtor hung up.
    HungUp,
}

/// Something the call should do, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Synthesise and play a prompt.
    Say {
        /// Speech-ready text.
        text: String,
        /// Whether the debtor may talk over it.
        interruptible: bool,
    },
    /// Listen for the debtor (open the recogniser once playback allows; start the silence timer when it ends).
    Listen {
        /// Silence timeout.
        #[serde(with = "millis")]
        timeout: Duration,
        /// Phrases to expect (may be empty).
        grammar: Vec<String>,
        /// Keys that mean something here.
        dtmf: Vec<char>,
    },
    /// Stop the prompt being played (the debtor barged in).
    StopPlayback,
    /// Transfer the call to the agent queue.
    Handoff {
        /// Why.
        reason: String,
    },
    /// End the call.
    Hangup {
        /// The disposition.
        outcome: Disposition,
    },
    /// Store a promise to pay.
    RecordPromise {
        /// Promised date.
        date: NaiveDate,
        /// Promised amount, if named.
        amount: Option<f64>,
    },
    /// Mark the call (complaint, hardship, stop_calls…).
    Flag {
        /// The flag's name.
        flag: String,
    },
    /// Call again at this time.
    ScheduleCallback {
        /// When.
        at: DateTime<Utc>,
    },
}

mod millis {
    use serde::Serializer;
    use std::time::Duration;
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }
}

/// How the call ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ending {
    /// The disposition.
    pub outcome: Disposition,
    /// Hand-off reason, when handed off.
    pub reason: Option<String>,
}

/// What the engine is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Prompts are playing; input counts only if they may be interrupted.
    Speaking {
        /// Whether every prompt being played may be interrupted.
        interruptible: bool,
    },
    /// Waiting for the debtor.
    Listening,
    /// The call is over.
    Ended,
}

/// One debtor turn as the engine saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Turn {
    /// The listening node.
    pub node: String,
    /// What came in: text, `#5` for a key, `(silence)`.
    pub input: String,
    /// The intent it was taken as (`None` for silence).
    pub intent: Option<Intent>,
    /// Date heard.
    pub date: Option<NaiveDate>,
    /// Amount heard.
    pub amount: Option<f64>,
    /// Whether it matched a transition.
    pub matched: bool,
}

/// What the agent console and the call record need to know about a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The flow's name.
    pub flow: String,
    /// Every node entered, in order.
    pub path: Vec<String>,
    /// Every debtor turn.
    pub turns: Vec<Turn>,
    /// How it ended (`None` while running).
    pub ending: Option<Ending>,
    /// The promise made in this call, if any.
    pub promise: Option<PromiseMade>,
}

/// A promise made during the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromiseMade {
    /// Promised date.
    pub date: NaiveDate,
    /// Promised amount.
    pub amount: Option<f64>,
}

/// One running conversation.
#[derive(Debug, Clone)]
pub struct Engine {
    flow: Arc<Flow>,
    ctx: CallContext,
    vars: Vars,
    guards: HashMap<String, Option<Guard>>,
    node: String,
    phase: Phase,
    retries_used: u32,
    low_confidence_in_row: u32,
    turns: u32,
    path: Vec<String>,
    log: Vec<Turn>,
    ending: Option<Ending>,
    promise: Option<PromiseMade>,
}

impl Engine {
    /// Starts a call: runs the flow from its start node up to the first listening node or ending.
    pub fn start(flow: impl Into<Arc<Flow>>, ctx: CallContext) -> (Engine, Vec<Action>) {
        let flow = flow.into();
        let vars = Vars::for_call(&ctx, flow.settings.horizon_days);
        let guards = collect_guards(&flow);
        let start = flow.start.value.clone();
        let mut engine = Engine {
            flow,
            ctx,
            vars,
            guards,
            node: start.clone(),
            phase: Phase::Listening,
            retries_used: 0,
            low_confidence_in_row: 0,
            turns: 0,
            path: Vec::new(),
            log: Vec::new(),
            ending: None,
            promise: None,
        };
        let mut out = Vec::new();
        engine.run_from(start, &mut out);
        (engine, out)
    }

    /// Feeds one event at time `now`; returns what the call should do next (nothing once ended).
    pub fn handle(&mut self, event: Event, now: DateTime<Utc>) -> Vec<Action> {
        self.ctx.now = now;
        let mut out = Vec::new();
        if self.phase == Phase::Ended {
            return out;
        }
        match event {
            Event::PlaybackFinished => {
                if matches!(self.phase, Phase::Speaking { .. }) {
                    self.phase = Phase::Listening;
                }
            }
            Event::BargeIn => {
                if self.phase
                    == (Phase::Speaking {
                        interruptible: true,
                    })
                {
                    self.phase = Phase::Listening;
                    out.push(Action::StopPlayback);
                }
            }
            Event::HungUp => {
                self.finish(Disposition::HungUp, None);
            }
            Event::Utterance { text, confidence } => {
                if self.accepts_input() {
                    let understanding = understand_for(
                        &text,
                        self.flow.lang,
                        self.ctx.today(),
                        &self.ctx.debtor.full_name,
                    );
                    self.on_understanding(understanding, confidence, &mut out);
                }
            }
            Event::Understood(understanding) => {
                if self.accepts_input() {
                    self.on_understanding(understanding, 1.0, &mut out);
                }
            }
            Event::Dtmf(key) => {
                if self.accepts_input() {
                    self.on_key(key, &mut out);
                }
            }
            Event::SilenceTimeout => {
                if self.phase != Phase::Ended {
                    self.phase = Phase::Listening;
                    self.begin_turn("(silence)".into(), None, None, None);
                    self.no_match(&mut out);
                    self.end_turn(false, &mut out);
                }
            }
        }
        out
    }

    /// The node the conversation is at.
    pub fn current_node(&self) -> &str {
        &self.node
    }

    /// What the engine waits for.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the call is over.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// How the call ended, once it has.
    pub fn ending(&self) -> Option<&Ending> {
        self.ending.as_ref()
    }

    /// Every node entered, in order.
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// Every debtor turn so far.
    pub fn turns(&self) -> &[Turn] {
        &self.log
    }

    /// The variable table (debtor fields, computed and set values).
    pub fn vars(&self) -> &Vars {
        &self.vars
    }

    /// Path, turns, ending and promise, for the call record and the agent console.
    pub fn summary(&self) -> Summary {
        Summary {
            flow: self.flow.flow.clone(),
            path: self.path.clone(),
            turns: self.log.clone(),
            ending: self.ending.clone(),
            promise: self.promise.clone(),
        }
    }

    /// The flow being run.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    fn accepts_input(&self) -> bool {
        matches!(
            self.phase,
            Phase::Listening
                | Phase::Speaking {
                    interruptible: true
                }
        )
    }

    fn listen(&self) -> Option<&Listen> {
        self.flow.node(&self.node).and_then(|n| n.listen.as_ref())
    }

    fn begin_turn(
        &mut self,
        input: String,
        intent: Option<Intent>,
        date: Option<NaiveDate>,
        amount: Option<f64>,
    ) {
        self.turns += 1;
        self.log.push(Turn {
            node: self.node.clone(),
            input,
            intent,
            date,
            amount,
            matched: false,
        });
    }

    fn end_turn(&mut self, matched: bool, out: &mut Vec<Action>) {
        if let Some(turn) = self.log.last_mut() {
            turn.matched = matched;
        }
        if self.phase != Phase::Ended && self.turns >= self.flow.settings.turn_limit {
            self.handoff("turn_limit", out);
        }
    }

    fn on_understanding(&mut self, u: Understanding, confidence: f64, out: &mut Vec<Action>) {
        self.begin_turn(u.text.clone(), Some(u.intent), u.date, u.amount);
        self.remember_heard(u.intent, u.date, u.amount);
        // NaN confidence counts as low.
        let confident = confidence >= self.flow.settings.min_confidence;
        if !confident {
            self.low_confidence_in_row += 1;
            if self.low_confidence_in_row >= self.flow.settings.low_confidence_limit {
                self.handoff("low_confidence", out);
            } else {
                self.no_match(out);
            }
            self.end_turn(false, out);
            return;
        }
        self.low_confidence_in_row = 0;
        let matched = self.route(u.intent, out);
        self.end_turn(matched, out);
    }

    fn on_key(&mut self, key: char, out: &mut Vec<Action>) {
        let intent = self
            .listen()
            .and_then(|l| l.dtmf.get(&key.to_string()))
            .and_then(|name| Intent::from_name(&name.value));
        self.begin_turn(format!("#{key}"), intent, None, None);
        let matched = match intent {
            Some(intent) => {
                self.remember_heard(intent, None, None);
                self.route(intent, out)
            }
            None => {
                self.no_match(out);
                false
            }
        };
        self.end_turn(matched, out);
    }

    fn remember_heard(&mut self, intent: Intent, date: Option<NaiveDate>, amount: Option<f64>) {
        let today = self.ctx.today();
        self.vars
            .put("intent", Value::Text(intent.name().to_string()));
        self.vars
            .put("heard_date", date.map_or(Value::Null, Value::Date));
        self.vars
            .put("heard_amount", amount.map_or(Value::Null, Value::Money));
        self.vars.put(
            "heard_days",
            date.map_or(
                Value::Null,
                |d| Value::Number((d - today).num_days() as f64),
            ),
        );
    }

    /// Follows the transition for `intent`; returns whether one matched.
    fn route(&mut self, intent: Intent, out: &mut Vec<Action>) -> bool {
        let name = intent.name();
        let flow = Arc::clone(&self.flow);
        let target = self
            .listen()
            .and_then(|l| l.on.get(name))
            .or_else(|| flow.handlers.get(name))
            .map(|t| t.value.clone());
        let destination = target.and_then(|t| self.resolve(&t));
        match destination {
            Some(node) => {
                self.retries_used = 0;
                self.run_from(node, out);
                true
            }
            None => {
                self.no_match(out);
                false
            }
        }
    }

    fn no_match(&mut self, out: &mut Vec<Action>) {
        let Some(listen) = self.listen().cloned() else {
            self.handoff("flow_error", out);
            return;
        };
        self.retries_used += 1;
        if self.retries_used <= self.flow.retries_of(&listen) {
            let reprompt = listen
                .reprompt
                .clone()
                .or_else(|| self.flow.settings.reprompt.clone());
            if let Some(text) = reprompt {
                self.say(&text, true, out);
            }
            let mut interruptible = true;
            if let Some(node) = self.flow.node(&self.node).cloned() {
                if let Some(say) = &node.say {
                    interruptible = node.interruptible.unwrap_or(true);
                    self.say(&say.value, interruptible, out);
                }
            }
            self.emit_listen(&listen, out);
            if out.iter().any(|a| matches!(a, Action::Say { .. })) {
                self.phase = Phase::Speaking { interruptible };
            }
            return;
        }
        self.retries_used = 0;
        match listen
            .no_match
            .as_ref()
            .and_then(|t| self.resolve(&t.value))
        {
            Some(node) => self.run_from(node, out),
            None => self.handoff("no_match", out),
        }
    }

    fn resolve(&self, target: &Target) -> Option<String> {
        match target {
            Target::Node(name) => Some(name.clone()),
            Target::Branches(branches) => branches
                .iter()
                .find(|b| match &b.guard {
                    None => true,
                    Some(text) => self
                        .guards
                        .get(&text.value)
                        .and_then(|g| g.as_ref())
                        .is_some_and(|g| g.eval(&self.vars)),
                })
                .map(|b| b.goto.value.clone()),
        }
    }

    /// Enters `start` and keeps going until a node listens or the call ends.
    fn run_from(&mut self, start: String, out: &mut Vec<Action>) {
        let mut name = start;
        let flow = Arc::clone(&self.flow);
        self.phase = Phase::Listening;
        let mut speaking: Option<bool> = None;
        for _ in 0..MAX_STEPS_WITHOUT_LISTENING {
            let Some(node) = flow.node(&name) else {
                self.handoff(&format!("flow_error: unknown node {name}"), out);
                return;
            };
            self.node = name.clone();
            self.path.push(name.clone());
            self.enter(node, out);
            if let Some(say) = &node.say {
                let interruptible = node.interruptible.unwrap_or(true);
                self.say(&say.value, interruptible, out);
                speaking = Some(speaking.unwrap_or(true) && interruptible);
            }
            if let Some(listen) = &node.listen {
                self.retries_used = 0;
                self.emit_listen(listen, out);
                self.phase = match speaking {
                    Some(interruptible) => Phase::Speaking { interruptible },
                    None => Phase::Listening,
                };
                return;
            }
            if let Some(outcome) = &node.hangup {
                out.push(Action::Hangup {
                    outcome: outcome.value,
                });
                self.finish(outcome.value, None);
                return;
            }
            if let Some(reason) = &node.handoff {
                self.handoff(&reason.value, out);
                return;
            }
            if let Some(callback) = &node.callback {
                let after = callback.value.after.unwrap_or(flow.settings.callback_after);
                let at = self.callback_time(after);
                out.push(Action::ScheduleCallback { at });
                out.push(Action::Hangup {
                    outcome: Disposition::Callback,
                });
                self.finish(Disposition::Callback, None);
                return;
            }
            let next = node.next.as_ref().and_then(|t| self.resolve(&t.value));
            match next {
                Some(next) => name = next,
                None => {
                    self.handoff(&format!("flow_error: node {name} has nowhere to go"), out);
                    return;
                }
            }
        }
        self.handoff("flow_error: the flow loops without listening", out);
    }

    fn enter(&mut self, node: &Node, out: &mut Vec<Action>) {
        for (key, value) in &node.set {
            let value = match &value.value {
                SetValue::Bool(b) => Value::Bool(*b),
                SetValue::Number(n) if key.ends_with("amount") => Value::Money(*n),
                SetValue::Number(n) => Value::Number(*n),
                SetValue::Text(t) => match t.strip_prefix('$') {
                    Some(var) => self.vars.get(var),
                    None => Value::Text(t.clone()),
                },
            };
            self.vars.put(key, value);
        }
        for flag in &node.flag {
            out.push(Action::Flag { flag: flag.clone() });
        }
        if node.record_promise {
            if let Value::Date(date) = self.vars.get("promise_date") {
                let amount = self.vars.get("promise_amount").as_number();
                out.push(Action::RecordPromise { date, amount });
                self.promise = Some(PromiseMade { date, amount });
            }
        }
    }

    fn say(&self, template: &str, interruptible: bool, out: &mut Vec<Action>) {
        let text = render(template, &self.vars, self.flow.lang);
        if !text.is_empty() {
            out.push(Action::Say {
                text,
                interruptible,
            });
        }
    }

    fn emit_listen(&self, listen: &Listen, out: &mut Vec<Action>) {
        out.push(Action::Listen {
            timeout: self.flow.timeout_of(listen),
            grammar: listen.grammar.clone(),
            dtmf: listen
                .dtmf
                .keys()
                .filter_map(|k| k.chars().next())
                .collect(),
        });
    }

    fn handoff(&mut self, reason: &str, out: &mut Vec<Action>) {
        out.push(Action::Handoff {
            reason: reason.to_string(),
        });
        self.finish(Disposition::Handoff, Some(reason.to_string()));
    }

    fn finish(&mut self, outcome: Disposition, reason: Option<String>) {
        self.phase = Phase::Ended;
        if self.ending.is_none() {
            self.ending = Some(Ending { outcome, reason });
        }
    }

    fn callback_time(&self, after: Duration) -> DateTime<Utc> {
        let fallback =
            self.ctx.now + chrono::Duration::from_std(after).unwrap_or(chrono::Duration::hours(2));
        let Value::Date(date) = self.vars.get("heard_date") else {
            return fallback;
        };
        let hour = self.flow.settings.callback_hour.min(23);
        let local = date
            .and_hms_opt(hour, 0, 0)
            .and_then(|t| self.ctx.timezone.from_local_datetime(&t).earliest());
        match local {
            Some(at) if at.with_timezone(&Utc) > self.ctx.now => at.with_timezone(&Utc),
            _ => fallback,
        }
    }
}

fn collect_guards(flow: &Flow) -> HashMap<String, Option<Guard>> {
    let mut guards = HashMap::new();
    let mut add = |t: &Target| {
        if let Target::Branches(branches) = t {
            for b in branches {
                if let Some(g) = &b.guard {
                    guards.insert(g.value.clone(), Guard::parse(&g.value).ok());
                }
            }
        }
    };
    for t in flow.handlers.values() {
        add(&t.value);
    }
    for node in flow.nodes.values() {
        let node = &node.value;
        if let Some(t) = &node.next {
            add(&t.value);
        }
        if let Some(l) = &node.listen {
            for t in l.on.values() {
                add(&t.value);
            }
            if let Some(t) = &l.no_match {
                add(&t.value);
            }
        }
    }
    guards
}
