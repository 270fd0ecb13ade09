//! The one way a test says "my peer or tool is missing": every test that needs sipp, Kamailio, baresip,
//! GStreamer, sox, PostgreSQL or a model file goes through here.
//!
//! ```ignore
//! let Some(sipp) = crate::skip::program("sipp", "sip-tester") else { return };   // start `sipp`, the path found
//! if !crate::skip::file(&model, "run scripts/setup") { return; }
//! ```
//!
//! - Under CI (`CI` is `true`, `1` or `yes`, any case) a missing peer fails the test: nothing may be skipped there.
//! - Elsewhere the test returns early and one line `test name: reason` is appended to
//!   `target/tmp/skipped-tests.txt`; `scripts/test` clears that file before the run and prints the skips after
//!   cargo's summary, so a skip never reads as a plain `ok`.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether the `CI` variable holds a true value (`true`, `1`, `yes`, case-insensitive).
pub fn in_ci() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
}

/// The file the skips of this run are listed in (under the target folder).
pub fn record_file() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.txt")
}

/// Gives up on the current test because `reason` (what is missing and how to get it): panics under CI,
/// otherwise records the skip for `scripts/test` and prints it.
pub fn missing(reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("unnamed test");
    if in_ci() {
        panic!("{test}: {reason} (CI is set, so a missing peer fails the test)");
    }
    eprintln!("\n*** SKIPPED {test}: {reason} ***\n");
    let line = format!("{test}: {reason}\n");
    let written = std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(record_file())?
            .write_all(line.as_bytes())
    });
    if let Err(e) = written {
        panic!(
            "{test} is skipped ({reason}) and the skip cannot be recorded in {}: {e}",
            record_file().display()
        );
    }
}

/// The path of `name` on PATH or in /usr/sbin (where Debian puts Kamailio), without recording anything.
pub fn find(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(name));
    on_path
        .chain([Path::new("/usr/sbin").join(name)])
        .find(|p| p.is_file())
}

/// The path of `name` (see [`find`]), or a recorded skip naming the Debian `package` that provides it.
pub fn program(name: &str, package: &str) -> Option<PathBuf> {
    let found = find(name);
    if found.is_none() {
        missing(&format!("{name} not installed (apt-get install {package})"));
    }
    found
}

/// Whether `path` exists; otherwise a recorded skip that says `fix`.
pub fn file(path: &Path, fix: &str) -> bool {
    let exists = path.exists();
    if !exists {
        missing(&format!("{} is missing ({fix})", path.display()));
    }
    exists
}
