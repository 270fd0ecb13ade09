//! Parser messages reworded for the person who wrote the file: serde's "unknown variant" becomes "is not one
//! of the allowed values".

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
