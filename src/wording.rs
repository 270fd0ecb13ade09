//! Parser messages reworded for the person who wrote the file: serde's "unknown variant" becomes "is not one
//! of the allowed values".

/// The position (1-based line and column, when known) and the first line of a YAML error, without the
/// position the parser appends and without advice meant for programmers.
pub fn yaml_error(err: &serde_saphyr::Error) -> (Option<(u64, u64)>, String) {
    let position = err.location().map(|l| (l.line(), l.column()));
    let message = err.without_snippet().to_string();
    let line = message.lines().next().unwrap_or("").trim();
    // serde-saphyr appends " at line L column C"; the position is reported separately.
    let line = match line.rfind(" at line ") {
        Some(i) => &line[..i],
        None => line,
    };
    // Advice addressed to programmers using the YAML library does not help the person who wrote the file.
    let message = match line.find(", set DuplicateKeyPolicy") {
        Some(i) => format!("{}; each name may appear once", &line[..i]),
        None => line.to_string(),
    };
    (position, message)
}

/// Rewords a serde message (JSON, YAML, TOML) that names internal terms; other text is kept as it is.
pub fn plain(message: &str) -> String {
    message
        .lines()
        .map(|line| match line.split_once("unknown variant ") {
            Some((before, rest)) => {
                let reworded = match rest.split_once(", expected ") {
                    Some((value, allowed)) => {
                        let allowed = allowed.trim_start_matches("one of ");
                        format!("{value} is not an allowed value; use {allowed}")
                    }
                    None => format!("{rest} is not an allowed value"),
                };
                format!("{before}{reworded}")
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn unknown_variants_are_said_plainly() {
        assert_eq!(
            plain("unknown variant `de`, expected `ru` or `en`"),
            "`de` is not an allowed value; use `ru` or `en`"
        );
        assert_eq!(
            plain("unknown variant `ssl`, expected one of `none`, `starttls`, `tls`"),
            "`ssl` is not an allowed value; use `none`, `starttls`, `tls`"
        );
        assert_eq!(plain("missing field `name`"), "missing field `name`");
    }
}
