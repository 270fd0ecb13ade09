//! Guards on transitions: small boolean expressions over flow variables, e.g. `broken_promises >= 2`.

use crate::dialog::vars::{Value, Vars};

/// A parsed guard.
#[derive(Debug, Clone, PartialEq)]
pub enum Guard {
    /// Both hold.
    And(Box<Guard>, Box<Guard>),
    /// Either holds.
    Or(Box<Guard>, Box<Guard>),
    /// Does not hold.
    Not(Box<Guard>),
    /// A comparison.
    Compare(Operand, Op, Operand),
    /// A lone operand, true when truthy.
    Truthy(Operand),
}

/// A side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A variable.
    Var(String),
    /// A literal.
    Literal(Value),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// Why a guard does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("guard `{text}`: {message}")]
pub struct GuardError {
    /// The guard text.
    pub text: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Ident(w) => write!(f, "`{w}`"),
            Tok::Num(n) => write!(f, "`{n}`"),
            Tok::Str(t) => write!(f, "'{t}'"),
            Tok::Op(op) => {
                let text = match op {
                    Op::Eq => "==",
                    Op::Ne => "!=",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                };
                write!(f, "`{text}`")
            }
            Tok::And => f.write_str("`and`"),
            Tok::Or => f.write_str("`or`"),
            Tok::Not => f.write_str("`not`"),
            Tok::Open => f.write_str("`(`"),
            Tok::Close => f.write_str("`)`"),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            toks.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            toks.push(Tok::Close);
            i += 1;
        } else if "=!<>".contains(c) {
            let two = chars.get(i + 1) == Some(&'=');
            let op = match (c, two) {
                ('=', true) => Op::Eq,
                ('!', true) => Op::Ne,
                ('<', true) => Op::Le,
                ('>', true) => Op::Ge,
                ('<', false) => Op::Lt,
                ('>', false) => Op::Gt,
                _ => return Err(format!("unexpected `{c}`; comparisons are == != < <= > >=")),
            };
            toks.push(Tok::Op(op));
            i += if two { 2 } else { 1 };
        } else if c == '\'' || c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == c)
                .ok_or("unterminated string")?;
            toks.push(Tok::Str(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            toks.push(Tok::Num(
                s.parse().map_err(|_| format!("`{s}` is not a number"))?,
            ));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            toks.push(match word.as_str() {
                "and" => Tok::And,
                "or" => Tok::Or,
                "not" => Tok::Not,
                _ => Tok::Ident(word),
            });
        } else {
            return Err(format!("unexpected `{c}`"));
        }
    }
    Ok(toks)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn or(&mut self) -> Result<Guard, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            left = Guard::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Guard, String> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            left = Guard::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Guard, String> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Guard::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Open) => {
                self.pos += 1;
                let inner = self.or()?;
                match self.next() {
                    Some(Tok::Close) => Ok(inner),
                    _ => Err("missing `)`".into()),
                }
            }
            _ => {
                let left = self.operand()?;
                if let Some(Tok::Op(op)) = self.peek().cloned() {
                    self.pos += 1;
                    let right = self.operand()?;
                    Ok(Guard::Compare(left, op, right))
                } else {
                    Ok(Guard::Truthy(left))
                }
            }
        }
    }
    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Tok::Ident(w)) => Ok(match w.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "null" => Operand::Literal(Value::Null),
                _ => Operand::Var(w),
            }),
            Some(Tok::Num(n)) => Ok(Operand::Literal(Value::Number(n))),
            Some(Tok::Str(s)) => Ok(Operand::Literal(Value::Text(s))),
            Some(other) => Err(format!("expected a variable or a value, found {other}")),
            None => Err("the guard ends too early".into()),
        }
    }
}

impl Guard {
    /// Parses guard text.
    pub fn parse(text: &str) -> Result<Guard, GuardError> {
        let err = |message: String| GuardError {
            text: text.to_string(),
            message,
        };
        let toks = tokenize(text).map_err(err)?;
        let mut p = Parser { toks, pos: 0 };
        let guard = p.or().map_err(err)?;
        if p.pos < p.toks.len() {
            return Err(err(format!(
                "unexpected {}; join conditions with `and` / `or`",
                p.toks[p.pos]
            )));
        }
        Ok(guard)
    }

    /// Names of the variables the guard reads.
    pub fn variables(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        let operand = |o: &'a Operand, out: &mut Vec<&'a str>| {
            if let Operand::Var(v) = o {
                out.push(v.as_str());
            }
        };
        match self {
            Guard::And(a, b) | Guard::Or(a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Guard::Not(a) => a.collect(out),
            Guard::Compare(a, _, b) => {
                operand(a, out);
                operand(b, out);
            }
            Guard::Truthy(a) => operand(a, out),
        }
    }

    /// Evaluates the guard; comparisons between values of different kinds are false.
    pub fn eval(&self, vars: &Vars) -> bool {
        match self {
            Guard::And(a, b) => a.eval(vars) && b.eval(vars),
            Guard::Or(a, b) => a.eval(vars) || b.eval(vars),
            Guard::Not(a) => !a.eval(vars),
            Guard::Truthy(a) => resolve(a, vars).truthy(),
            Guard::Compare(a, op, b) => compare(&resolve(a, vars), *op, &resolve(b, vars)),
        }
    }
}

fn resolve(o: &Operand, vars: &Vars) -> Value {
    match o {
        Operand::Var(v) => vars.get(v),
        Operand::Literal(v) => v.clone(),
    }
}

fn compare(a: &Value, op: Op, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => match (a.as_number(), b.as_number()) {
            (Some(x), Some(y)) => x.partial_cmp(&y),
            _ => None,
        },
    };
    match (ord, op) {
        (Some(o), Op::Eq) => o == Ordering::Equal,
        (Some(o), Op::Ne) => o != Ordering::Equal,
        (None, Op::Ne) => true,
        (Some(o), Op::Lt) => o == Ordering::Less,
        (Some(o), Op::Le) => o != Ordering::Greater,
        (Some(o), Op::Gt) => o == Ordering::Greater,
        (Some(o), Op::Ge) => o != Ordering::Less,
        (None, _) => false,
    }
}
