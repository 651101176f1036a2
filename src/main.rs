use attr_eval::cli::{Cli, dispatch};
use clap::Parser;

fn main() {
    restore_default_sigpipe();
    let cli = Cli::parse();
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    };
    std::process::exit(code);
}

/// `attr-eval run | head` should end quietly when `head` closes the pipe, as other
/// command-line tools do, instead of panicking on a failed print: Rust ignores SIGPIPE
/// by default, so put back the default action.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread starts; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
