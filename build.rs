//! Build script: records the git commit for the run record's tool info, and lets
//! `--features bert` binaries find libtorch without LD_LIBRARY_PATH.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    // In a worktree `.git` is a file, so ask git where HEAD and the refs really live.
    for name in ["HEAD", "refs/heads", "packed-refs"] {
        if let Some(path) = git(&["rev-parse", "--git-path", name])
            && std::path::Path::new(&path).exists()
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }

    // Without git (a source tarball) the variable stays unset and the record says null.
    if let Some(commit) = git(&["rev-parse", "--short", "HEAD"]) {
        println!("cargo:rustc-env=ATTR_EVAL_GIT_COMMIT={commit}");
    }

    // torch-sys links libtorch but adds no rpath; scripts/setup-libtorch.sh puts every
    // library in $LIBTORCH/lib, so one rpath entry makes binaries and tests run as they are.
    if std::env::var_os("CARGO_FEATURE_BERT").is_some()
        && let Ok(libtorch) = std::env::var("LIBTORCH")
    {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{libtorch}/lib");
    }
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}
