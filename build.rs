//! Links the native speech libraries fetched by `scripts/setup` and records their folder as the
//! binary's rpath, so `softcall` runs without `LD_LIBRARY_PATH`.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOFTCALL_NATIVE_LIB");
    if std::env::var_os("CARGO_FEATURE_SPEECH").is_none() {
        return;
    }
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let native = std::env::var_os("SOFTCALL_NATIVE_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("native/lib"));
    if !native.join("libvosk.so").exists() {
        println!(
            "cargo:warning=libvosk.so not found in {} — run scripts/setup first",
            native.display()
        );
    }
    println!("cargo:rustc-link-search=native={}", native.display());
    // Absolute rpath for the checkout, plus a relative one for an installed layout (bin/../lib).
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", native.display());
    println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN/../lib");
    // espeak-ng is built with Debian's libsonic; the final link must name it.
    println!("cargo:rustc-link-lib=sonic");
}
