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
        Command::Show(args) => crate::cli::show::execute(args),
        Command::Import(args) => crate::cli::import::execute(args),
        Command::Compare(args) => crate::cli::compare::execute(args),
        Command::Train(args) => crate::cli::train::execute(args),
    }
}

mod compare;
mod import;
mod run;
mod score;
mod show;
mod train;
mod validate;
