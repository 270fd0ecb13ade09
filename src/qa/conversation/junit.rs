//! Fixture results as JUnit XML, the format CI servers show as test reports: one testcase per fixture, a
//! failed one carries the diff.

use super::FixtureRun;
use std::fmt::Write;

/// The JUnit XML document for `runs`, as one test suite named `suite`.
pub fn junit_xml(suite: &str, runs: &[FixtureRun]) -> String {
    let failures = runs
        .iter()
        .filter(|r| !r.passed && r.error.is_none())
        .count();
    let errors = runs.iter().filter(|r| r.error.is_some()).count();
    let time: f64 = runs.iter().map(|r| r.wall_secs).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // Writing to a String cannot fail.
    let _ = writeln!(
        xml,
        "<testsuites tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
        runs.len()
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">",
        escape(suite),
        runs.len()
    );
    for run in runs {
        let _ = write!(
            xml,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            escape(suite),
            escape(&run.name),
            run.wall_secs
        );
        match (&run.error, run.passed) {
            (Some(error), _) => {
                let _ = writeln!(
                    xml,
                    ">\n      <error message=\"{}\">{}</error>\n    </testcase>",
                    escape(first_line(error)),
                    escape(error)
                );
            }
            (None, false) => {
                let _ = writeln!(
                    xml,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape(&headline(run)),
                    escape(&run.diff)
                );
            }
            (None, true) => xml.push_str("/>\n"),
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// What differs, in one line: `outcome, promise differ from expect.yaml`.
fn headline(run: &FixtureRun) -> String {
    let parts: Vec<&str> = run.mismatches.iter().map(|m| m.what).collect();
    format!("{} differ from expect.yaml", parts.join(", "))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Escapes text for an XML attribute or element; drops characters XML 1.0 cannot hold.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
