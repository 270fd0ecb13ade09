//! The `softcall` command line.

fn main() -> std::process::ExitCode {
    softcall::cli::run()
}
