//! Prompt templates: text with `{variable}` placeholders, rendered speech-ready.

use crate::dialog::nlu::Lang;
use crate::dialog::vars::Vars;

/// One placeholder found in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The variable name inside the braces.
    pub name: String,
    /// Character offset of the opening brace within the template.
    pub offset: usize,
}

/// Why a template is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("character {offset}: {message}")]
pub struct TemplateError {
    /// Character offset of the problem.
    pub offset: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Lists the placeholders of a template; `{{` and `}}` stand for literal braces.
pub fn placeholders(template: &str) -> Result<Vec<Placeholder>, TemplateError> {
    let chars: Vec<char> = template.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => i += 2,
            '}' if chars.get(i + 1) == Some(&'}') => i += 2,
            '{' => {
                let start = i;
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '}')
                    .map(|p| p + i + 1);
                let Some(end) = end else {
                    return Err(TemplateError {
                        offset: start,
                        message: "`{` is never closed; write `{{` for a literal brace".into(),
                    });
                };
                let name: String = chars[start + 1..end]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string();
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    return Err(TemplateError {
                        offset: start,
                        message: format!("`{{{name}}}` is not a variable name"),
                    });
                }
                found.push(Placeholder {
                    name,
                    offset: start,
                });
                i = end + 1;
            }
            '}' => {
                return Err(TemplateError {
                    offset: i,
                    message: "stray `}`; write `}}` for a literal brace".into(),
                })
            }
            _ => i += 1,
        }
    }
    Ok(found)
}

/// Renders a template; unknown or null variables become empty text (the checker reports them beforehand).
pub fn render(template: &str, vars: &Vars, lang: Lang) -> String {
    let currency = match vars.get("currency") {
        crate::dialog::vars::Value::Text(c) => c,
        _ => String::new(),
    };
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let (true, Some(end)) = (tail.starts_with('{'), tail.find('}')) {
            let name = tail[1..end].trim();
            out.push_str(&vars.get(name).speak(&currency, lang));
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    collapse_spaces(&out)
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
