//! The command line: a thin layer that parses arguments and calls the library.

mod args;

pub use args::{Cli, Command, ScoringArgs};

use crate::error::Result;

/// Runs one parsed command; the caller maps the error to an exit code.
pub fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run(args) => crate::cli::run::execute(args),
        Command::Score(args) => crate::cli::score::execute(args),
        Command::Validate(args) => crate::cli::validate::execute(args),
        Command::Merge(args) => crate::cli::merge::execute(args),
        Command::Show(args) => crate::cli::show::execute(args),
        Command::Import(args) => crate::cli::import::execute(args),
        Command::Compare(args) => crate::cli::compare::execute(args),
        Command::Train(args) => crate::cli::train::execute(args),
    }
}

/// `attr-eval run | head` should end quietly when `head` closes the pipe, as other
/// command-line tools do, instead of panicking on a failed print: Rust ignores SIGPIPE
/// by default, so put back the default action. Call it first thing in `main`, before
/// any thread starts (the examples do too).
pub fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: SIG_DFL is a valid disposition for SIGPIPE, and the caller runs this
    // before any thread starts, so no other thread is changing signal dispositions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

mod compare;
mod import;
mod merge;
mod run;
mod score;
mod show;
mod show_view;
mod train;
mod validate;
