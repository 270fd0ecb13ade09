//! Reading a campaign file: YAML syntax and shape errors with line and column, then checks that every step
//! names an existing flow (`dialogs/<flow>.yaml`) and template, with the file, line and field of each problem.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::Duration;
use serde::Deserialize;

use super::rules::Rules;
use super::{
    AnsweringMachine, Confirmation, EmailSettings, Inbound, Limits, Retry, Segment, SmsGateway,
    Step, Strategy, Template, UnknownCaller,
};
use crate::audio::amd::{MachinePolicy, OnMachine};
use crate::campaign::channel::Channel;

/// Why a campaign file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StrategyError {
    /// The file could not be read.
    #[error("{path}: cannot read the campaign file: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// YAML syntax or a field of the wrong shape.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser saw.
        message: String,
    },
    /// A value that parses but cannot be used (unknown flow, unknown template, bad duration…).
    #[error("{path}:{line}: `{field}`: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// 1-based line of the field (best effort).
        line: usize,
        /// The field's path, e.g. `segments[1].ladder[2].call`.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStrategy {
    name: String,
    #[serde(default)]
    limits: Option<RawLimits>,
    #[serde(default)]
    sms: Option<RawSms>,
    #[serde(default)]
    email: Option<RawEmail>,
    #[serde(default)]
    templates: BTreeMap<String, RawTemplate>,
    #[serde(default)]
    confirmation: Option<RawConfirmation>,
    segments: Vec<RawSegment>,
    #[serde(default)]
    answering_machine: Option<RawAnsweringMachine>,
    inbound: Option<RawInbound>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnsweringMachine {
    #[serde(default = "detect_by_default")]
    detect: bool,
    #[serde(default)]
    on_machine: OnMachine,
    #[serde(default)]
    message: Option<String>,
}

fn detect_by_default() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInbound {
    flow: String,
    #[serde(default)]
    unknown_caller: UnknownCaller,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfirmation {
    #[serde(default)]
    sms: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    #[serde(default = "default_concurrency")]
    concurrency: u32,
    #[serde(default = "default_cps")]
    calls_per_second: u32,
}

fn default_concurrency() -> u32 {
    10
}

fn default_cps() -> u32 {
    2
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSms {
    url: String,
    #[serde(default = "default_method")]
    method: String,
    #[serde(default = "default_content_type")]
    content_type: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

fn default_method() -> String {
    "POST".into()
}

fn default_content_type() -> String {
    "application/json".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    host: String,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default = "default_security")]
    security: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    password_env: Option<String>,
    from: String,
}

fn default_security() -> String {
    "starttls".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    #[serde(default)]
    sms: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSegment {
    name: String,
    #[serde(default)]
    when: Rules,
    ladder: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    day: i64,
    #[serde(default)]
    sms: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    call: Option<String>,
    #[serde(default)]
    recall_promise: bool,
    #[serde(default)]
    hand_over: bool,
    #[serde(default)]
    retry: Option<RawRetry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    #[serde(default)]
    no_answer: Option<String>,
    #[serde(default)]
    busy: Option<String>,
    #[serde(default)]
    max_per_day: Option<u32>,
    #[serde(default)]
    max_attempts: Option<u32>,
}

/// Reads and checks a campaign file; flows are looked up as `<dialogs_dir>/<flow>.yaml`.
pub fn load(path: &Path, dialogs_dir: &Path) -> Result<Strategy, StrategyError> {
    let text = std::fs::read_to_string(path).map_err(|source| StrategyError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(path, &text, dialogs_dir)
}

/// Parses and checks campaign file text (`path` names the file in errors).
pub fn parse(path: &Path, text: &str, dialogs_dir: &Path) -> Result<Strategy, StrategyError> {
    parse_checking(path, text, Some(dialogs_dir))
}

/// Parses a campaign file stored with a campaign (checked when it was stored; flows are not looked up again).
pub fn parse_stored(path: &Path, text: &str) -> Result<Strategy, StrategyError> {
    parse_checking(path, text, None)
}

fn parse_checking(
    path: &Path,
    text: &str,
    dialogs_dir: Option<&Path>,
) -> Result<Strategy, StrategyError> {
    let file = path.display().to_string();
    let raw: RawStrategy = serde_saphyr::from_str(text).map_err(|e| {
        let (position, message) = crate::wording::yaml_error(&e);
        let (line, column) = position.unwrap_or((1, 1));
        StrategyError::Syntax {
            path: file.clone(),
            line: usize::try_from(line).unwrap_or(usize::MAX),
            column: usize::try_from(column).unwrap_or(usize::MAX),
            message: name_the_value(text, line, column, crate::wording::plain(&message)),
        }
    })?;
    let locate = Locator { text };
    let invalid = |anchors: &[&str], field: String, message: String| StrategyError::Invalid {
        path: file.clone(),
        line: locate.line(anchors),
        field,
        message,
    };

    let templates: BTreeMap<String, Template> = raw
        .templates
        .into_iter()
        .map(|(k, t)| {
            (
                k,
                Template {
                    sms: t.sms,
                    subject: t.subject,
                    body: t.body,
                },
            )
        })
        .collect();
    if raw.segments.is_empty() {
        return Err(invalid(
            &["^segments"],
            "segments".into(),
            "at least one segment is needed".into(),
        ));
    }
    let mut names = HashSet::new();
    let mut segments = Vec::new();
    for (si, seg) in raw.segments.into_iter().enumerate() {
        let seg_anchor = format!("name: {}", seg.name);
        if !names.insert(seg.name.clone()) {
            return Err(invalid(
                &["^segments", &seg_anchor, &seg_anchor],
                format!("segments[{si}].name"),
                format!("segment `{}` is defined twice", seg.name),
            ));
        }
        if seg.ladder.is_empty() {
            return Err(invalid(
                &["^segments", &seg_anchor],
                format!("segments[{si}].ladder"),
                "a segment needs at least one step".into(),
            ));
        }
        let mut ladder = Vec::new();
        let mut last_day = i64::MIN;
        for (li, step) in seg.ladder.into_iter().enumerate() {
            let field =
                |name: &str| format!("segments[{si}].ladder[{li}].{}", name.trim_end_matches(':'));
            let day_anchor = format!("day: {}", step.day);
            let anchors = |key: &str| -> Vec<String> {
                vec![
                    "^segments".into(),
                    seg_anchor.clone(),
                    day_anchor.clone(),
                    key.into(),
                ]
            };
            let at = |key: &str| {
                let a = anchors(key);
                let refs: Vec<&str> = a.iter().map(String::as_str).collect();
                locate.line(&refs)
            };
            let err_at = |key: &str, message: String| StrategyError::Invalid {
                path: file.clone(),
                line: at(key),
                field: field(key),
                message,
            };
            if step.day <= last_day {
                return Err(err_at(
                    "day",
                    format!(
                        "days must increase along the ladder ({} after {last_day})",
                        step.day
                    ),
                ));
            }
            if step.day < 0 {
                return Err(err_at("day", "a day overdue cannot be negative".into()));
            }
            last_day = step.day;
            if step.sms.is_none() && step.email.is_none() && step.call.is_none() && !step.hand_over
            {
                return Err(err_at(
                    "day",
                    "the step does nothing: give sms, email, call or hand_over".into(),
                ));
            }
            if let (Some(flow), Some(dialogs_dir)) = (&step.call, dialogs_dir) {
                if let Some(message) = unknown_flow(flow, dialogs_dir) {
                    return Err(err_at("call:", message));
                }
            }
            for (key, name, channel) in [
                ("sms:", &step.sms, Channel::Sms),
                ("email:", &step.email, Channel::Email),
            ] {
                if let Some(name) = name {
                    check_template(&templates, name, channel).map_err(|m| err_at(key, m))?;
                }
            }
            let mut retry = Retry::default();
            if let Some(r) = step.retry {
                if let Some(s) = &r.no_answer {
                    retry.no_answer =
                        parse_duration(s).ok_or_else(|| err_at("no_answer:", bad_duration(s)))?;
                }
                if let Some(s) = &r.busy {
                    retry.busy =
                        parse_duration(s).ok_or_else(|| err_at("busy:", bad_duration(s)))?;
                }
                if let Some(n) = r.max_per_day {
                    if n == 0 {
                        return Err(err_at("max_per_day:", "must be at least 1".into()));
                    }
                    retry.max_per_day = n;
                }
                if let Some(n) = r.max_attempts {
                    if n == 0 {
                        return Err(err_at("max_attempts:", "must be at least 1".into()));
                    }
                    retry.max_attempts = n;
                }
            }
            ladder.push(Step {
                day: step.day,
                sms: step.sms,
                email: step.email,
                call: step.call,
                recall_promise: step.recall_promise,
                hand_over: step.hand_over,
                retry,
            });
        }
        segments.push(Segment {
            name: seg.name,
            rules: seg.when,
            ladder,
        });
    }
    let confirmation = match raw.confirmation {
        None => Confirmation::default(),
        Some(c) => {
            let confirmation = Confirmation {
                sms: c.sms,
                email: c.email,
            };
            for (channel, name) in confirmation.messages() {
                check_template(&templates, name, channel).map_err(|m| {
                    invalid(
                        &["^confirmation:", &format!("{channel}:")],
                        format!("confirmation.{channel}"),
                        m,
                    )
                })?;
            }
            confirmation
        }
    };
    if confirmation.sms.is_some() && raw.sms.is_none() {
        return Err(invalid(
            &["^sms:", "^confirmation:"],
            "sms".into(),
            "promise confirmations go by SMS but no `sms:` gateway is configured".into(),
        ));
    }
    if confirmation.email.is_some() && raw.email.is_none() {
        return Err(invalid(
            &["^email:", "^confirmation:"],
            "email".into(),
            "promise confirmations go by e-mail but no `email:` SMTP server is configured".into(),
        ));
    }
    let uses = |pick: fn(&Step) -> bool| segments.iter().flat_map(|s| &s.ladder).any(pick);
    if uses(|s| s.sms.is_some()) && raw.sms.is_none() {
        return Err(invalid(
            &["^sms:"],
            "sms".into(),
            "steps send SMS but no `sms:` gateway is configured".into(),
        ));
    }
    if uses(|s| s.email.is_some()) && raw.email.is_none() {
        return Err(invalid(
            &["^email:"],
            "email".into(),
            "steps send e-mail but no `email:` SMTP server is configured".into(),
        ));
    }
    let email = match raw.email {
        None => None,
        Some(e) => {
            let password = match (&e.password, &e.password_env) {
                (Some(p), _) => Some(p.clone()),
                (None, Some(var)) => Some(std::env::var(var).map_err(|_| {
                    invalid(
                        &["^email:", "password_env"],
                        "email.password_env".into(),
                        format!("environment variable {var} is not set"),
                    )
                })?),
                (None, None) => None,
            };
            if !matches!(e.security.as_str(), "none" | "starttls" | "tls") {
                return Err(invalid(
                    &["^email:", "security"],
                    "email.security".into(),
                    "use none, starttls or tls".into(),
                ));
            }
            let port = e.port.unwrap_or(match e.security.as_str() {
                "tls" => 465,
                "starttls" => 587,
                _ => 25,
            });
            Some(EmailSettings {
                host: e.host,
                port,
                security: e.security,
                username: e.username,
                password,
                from: e.from,
            })
        }
    };
    let limits = raw.limits.map_or(
        Limits {
            concurrency: default_concurrency(),
            calls_per_second: default_cps(),
        },
        |l| Limits {
            concurrency: l.concurrency,
            calls_per_second: l.calls_per_second,
        },
    );
    if limits.concurrency == 0 || limits.calls_per_second == 0 {
        return Err(invalid(
            &["^limits:"],
            "limits".into(),
            "concurrency and calls_per_second must be at least 1".into(),
        ));
    }
    let answering_machine = match raw.answering_machine {
        None => AnsweringMachine::default(),
        Some(a) => {
            let policy = MachinePolicy {
                on_machine: a.on_machine,
                message: a.message,
            };
            if let Err(e) = policy.validate() {
                let (anchor, field) = match policy.message {
                    Some(_) => ("message:", "answering_machine.message"),
                    None => ("on_machine:", "answering_machine.on_machine"),
                };
                return Err(invalid(
                    &["^answering_machine:", anchor],
                    field.into(),
                    e.to_string(),
                ));
            }
            AnsweringMachine {
                detect: a.detect,
                policy,
            }
        }
    };
    let inbound = match raw.inbound {
        None => None,
        Some(i) => {
            if let Some(dialogs_dir) = dialogs_dir {
                if let Some(message) = unknown_flow(&i.flow, dialogs_dir) {
                    return Err(invalid(
                        &["^inbound:", "flow:"],
                        "inbound.flow".into(),
                        message,
                    ));
                }
            }
            Some(Inbound {
                flow: i.flow,
                unknown_caller: i.unknown_caller,
            })
        }
    };
    Ok(Strategy {
        inbound,
        name: raw.name,
        limits,
        sms: raw.sms.map(|s| SmsGateway {
            url: s.url,
            method: s.method.to_uppercase(),
            content_type: s.content_type,
            body: s.body,
            headers: s.headers,
        }),
        email,
        templates,
        confirmation,
        segments,
        answering_machine,
    })
}

/// Why `flow` names no flow file in `dialogs_dir`, or `None` when `<dialogs_dir>/<flow>.yaml` exists.
fn unknown_flow(flow: &str, dialogs_dir: &Path) -> Option<String> {
    let file_path: PathBuf = dialogs_dir.join(format!("{flow}.yaml"));
    (flow.is_empty() || flow.contains(['/', '\\']) || !file_path.is_file()).then(|| {
        format!(
            "unknown flow `{flow}`: {} does not exist",
            file_path.display()
        )
    })
}

/// Checks that template `name` exists and has the parts `channel` needs.
fn check_template(
    templates: &BTreeMap<String, Template>,
    name: &str,
    channel: Channel,
) -> Result<(), String> {
    match templates.get(name) {
        None => {
            let known: Vec<&str> = templates.keys().map(String::as_str).collect();
            Err(format!(
                "unknown template `{name}` (templates: {})",
                known.join(", ")
            ))
        }
        Some(t) if channel == Channel::Sms && t.sms.is_none() => {
            Err(format!("template `{name}` has no `sms` text"))
        }
        Some(t) if channel == Channel::Email && (t.body.is_none() || t.subject.is_none()) => Err(
            format!("template `{name}` needs `subject` and `body` for e-mail"),
        ),
        _ => Ok(()),
    }
}

/// Checks that every template placeholder is a standard field or one of `columns` (the extra columns of the
/// campaign's list). `columns_known` says whether `columns` came from a campaign, for the hint in the error.
pub fn check_placeholders(
    path: &Path,
    strategy: &Strategy,
    columns: &std::collections::BTreeSet<String>,
    columns_known: bool,
) -> Result<(), StrategyError> {
    use crate::campaign::channels::template::{placeholders, PROMISE_FIELDS, STANDARD_FIELDS};
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let file = path.display().to_string();
    let line_of = |needle: &str, fallback: &str| {
        let lines: Vec<&str> = text.lines().collect();
        lines
            .iter()
            .position(|l| l.contains(needle))
            .or_else(|| {
                lines
                    .iter()
                    .position(|l| l.trim_start().starts_with(fallback))
            })
            .map_or(1, |i| i + 1)
    };
    for (name, t) in &strategy.templates {
        // Only a promise confirmation knows a promise.
        let confirms = strategy.confirmation.messages().any(|(_, n)| n == name);
        for (part, body) in [("sms", &t.sms), ("subject", &t.subject), ("body", &t.body)] {
            let Some(body) = body else { continue };
            let field = format!("templates.{name}.{part}");
            let used = placeholders(body).map_err(|e| StrategyError::Invalid {
                path: file.clone(),
                line: line_of(body.lines().next().unwrap_or(body), &format!("{name}:")),
                field: field.clone(),
                message: e.to_string(),
            })?;
            for p in used {
                if STANDARD_FIELDS.contains(&p.as_str())
                    || columns.contains(&p)
                    || (confirms && PROMISE_FIELDS.contains(&p.as_str()))
                {
                    continue;
                }
                let mut known: Vec<String> =
                    STANDARD_FIELDS.iter().map(|s| format!("{{{s}}}")).collect();
                if confirms {
                    known.extend(PROMISE_FIELDS.iter().map(|s| format!("{{{s}}}")));
                }
                known.extend(columns.iter().map(|c| format!("{{{c}}}")));
                let hint = if PROMISE_FIELDS.contains(&p.as_str()) {
                    "; only a template named under `confirmation:` knows the promise".to_string()
                } else if columns_known {
                    String::new()
                } else {
                    "; a column of the debtor list is known once the list is imported: check with --campaign NAME"
                        .to_string()
                };
                return Err(StrategyError::Invalid {
                    path: file.clone(),
                    line: line_of(&format!("{{{p}"), &format!("{name}:")),
                    field,
                    message: format!(
                        "unknown placeholder `{{{p}}}`; known: {}{hint}",
                        known.join(", ")
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Drops the parser's own " at line L column C" (the error already starts with `file:line:column`).
/// A scalar of the wrong type is reported only as e.g. "invalid u32": add the field and the value written at
/// the error's position, as in "`max_attempts`: invalid u32, got `many`".
fn name_the_value(text: &str, line: u64, column: u64, message: String) -> String {
    if !message.starts_with("invalid ") {
        return message;
    }
    let Some(source) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return message;
    };
    let at = source
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(source.len(), |(i, _)| i);
    let (before, rest) = source.split_at(at);
    let value = rest.split([',', '}', ']', '#']).next().unwrap_or("").trim();
    let key = before
        .trim_end()
        .strip_suffix(':')
        .and_then(|k| k.rsplit(['{', ',', '-', ' ']).next())
        .filter(|k| !k.is_empty());
    match key {
        Some(key) => format!("`{key}`: {message}, got `{value}`"),
        None => format!("{message}, got `{value}`"),
    }
}

fn bad_duration(s: &str) -> String {
    format!("`{s}` is not a duration (write 2h, 30m, 90s or 1h30m)")
}

/// Parses `2h`, `30m`, `90s`, `1h30m`, `1d`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut any = false;
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        total += match c {
            'd' => Duration::days(n),
            'h' => Duration::hours(n),
            'm' => Duration::minutes(n),
            's' => Duration::seconds(n),
            _ => return None,
        };
        any = true;
    }
    (any && number.is_empty() && total > Duration::zero()).then_some(total)
}

/// Finds the line of a field by walking anchors in order (each searched from the line after the previous).
struct Locator<'a> {
    text: &'a str,
}

impl Locator<'_> {
    /// An anchor starting with `^` must start the line; a repeated anchor finds the next occurrence.
    fn line(&self, anchors: &[&str]) -> usize {
        let lines: Vec<&str> = self.text.lines().collect();
        let mut from = 0;
        let mut found = 1;
        let mut previous: Option<&str> = None;
        for anchor in anchors {
            let start = if previous == Some(*anchor) {
                from + 1
            } else {
                from
            };
            let hit = lines.get(start..).and_then(|rest| {
                rest.iter().position(|l| {
                    let code = l.split(" #").next().unwrap_or(l);
                    match anchor.strip_prefix('^') {
                        Some(a) => code.starts_with(a),
                        None => code.contains(anchor),
                    }
                })
            });
            if let Some(i) = hit {
                from = start + i;
                found = from + 1;
            }
            previous = Some(anchor);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_of_the_wrong_type_is_named_with_its_field() {
        let text = "name: x\nlimits:\n  concurrency: -1\nsegments:\n  - name: a\n    ladder:\n      - day: 1\n        retry: {max_attempts: many}\n";
        let err = |text: &str| {
            parse_stored(Path::new("c.yaml"), text)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(text),
            "c.yaml:3:16: `concurrency`: invalid u32, got `-1`"
        );
        let text = text.replace("-1", "4");
        assert_eq!(
            err(&text),
            "c.yaml:8:31: `max_attempts`: invalid u32, got `many`"
        );
        let text = "name: x\nname: y\nsegments: []\n";
        assert_eq!(
            err(text),
            "c.yaml:2:1: duplicate mapping key: name; each name may appear once"
        );
    }

    #[test]
    fn confirmations_name_checked_templates_that_alone_know_the_promise() {
        let base = "name: x
sms: { url: 'http://127.0.0.1:9/send' }
templates:
  thanks: { sms: 'paying {promise_amount} by {promise_date}' }
  hi: { sms: 'hi {full_name}' }
confirmation: { sms: thanks }
segments:
  - name: a
    ladder:
      - day: 1
        sms: hi
";
        let path = Path::new("c.yaml");
        let s = parse_stored(path, base).unwrap();
        assert_eq!(s.confirmation.sms.as_deref(), Some("thanks"));
        let columns = Default::default();
        check_placeholders(path, &s, &columns, true).unwrap();

        // A ladder template does not know the promise.
        let ladder = base
            .replace("sms: hi\n", "sms: thanks\n")
            .replace("confirmation: { sms: thanks }", "confirmation: { sms: hi }");
        let s = parse_stored(path, &ladder).unwrap();
        let err = check_placeholders(path, &s, &columns, true)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown placeholder `{promise_amount}`")
                && err.contains("only a template named under `confirmation:`"),
            "{err}"
        );

        let unknown = base.replace(
            "confirmation: { sms: thanks }",
            "confirmation: { sms: thank }",
        );
        let err = parse_stored(path, &unknown).unwrap_err().to_string();
        assert_eq!(
            err,
            "c.yaml:6: `confirmation.sms`: unknown template `thank` (templates: hi, thanks)"
        );
        let by_mail = base.replace(
            "confirmation: { sms: thanks }",
            "confirmation: { email: thanks }",
        );
        let err = parse_stored(path, &by_mail).unwrap_err().to_string();
        assert!(
            err.contains("`confirmation.email`: template `thanks` needs `subject` and `body`"),
            "{err}"
        );
        let no_gateway = base.replace("sms: { url: 'http://127.0.0.1:9/send' }\n", "");
        let no_gateway = no_gateway.replace("        sms: hi\n", "        call: x\n");
        let err = parse_stored(path, &no_gateway).unwrap_err().to_string();
        assert!(
            err.contains("promise confirmations go by SMS but no `sms:` gateway"),
            "{err}"
        );
    }

    #[test]
    fn the_answering_machine_profile_defaults_to_detect_and_hang_up_and_refuses_debt_in_the_message(
    ) {
        let base = "name: x\nsegments:\n  - name: a\n    ladder:\n      - day: 1\n        hand_over: true\n";
        let parse = |extra: &str| parse_stored(Path::new("c.yaml"), &format!("{base}{extra}"));
        let s = parse("").expect("parses");
        assert_eq!(s.answering_machine, AnsweringMachine::default());
        assert!(s.answering_machine.detect);
        assert_eq!(s.answering_machine.policy.on_machine, OnMachine::HangUp);

        let s = parse("answering_machine: { detect: false }\n").expect("parses");
        assert!(!s.answering_machine.detect);

        let s = parse(
            "answering_machine:\n  on_machine: leave_message\n  message: \"This is {creditor}, please call {creditor_phone}.\"\n",
        )
        .expect("parses");
        assert_eq!(
            s.answering_machine.policy.on_machine,
            OnMachine::LeaveMessage
        );
        assert!(s.answering_machine.detect);

        let err = |extra: &str| parse(extra).unwrap_err().to_string();
        assert_eq!(
            err("answering_machine:\n  on_machine: leave_message\n"),
            "c.yaml:8: `answering_machine.on_machine`: on_machine = leave_message needs a `message` template with {creditor} and {creditor_phone}"
        );
        let e = err(
            "answering_machine:\n  on_machine: leave_message\n  message: \"{creditor}: you owe {amount}. {creditor_phone}\"\n",
        );
        assert!(
            e.starts_with(
                "c.yaml:9: `answering_machine.message`: voicemail message text contains `owe`"
            ),
            "{e}"
        );
        let e = err("answering_machine: { on_machine: hang_upp }\n");
        assert!(e.starts_with("c.yaml:7:"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2h"), Some(Duration::hours(2)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("90"), None);
        assert_eq!(parse_duration("2x"), None);
        assert_eq!(parse_duration("0m"), None);
    }
}
