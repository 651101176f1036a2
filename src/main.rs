use attr_eval::cli::{Cli, dispatch, restore_default_sigpipe};
use clap::Parser;

fn main() {
    restore_default_sigpipe();
    let cli = Cli::parse();
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            // Messages quote users' files and models' output: escaped, so a stray control
            // character cannot act on the terminal.
            eprintln!(
                "error: {}",
                attr_eval::error::escape_controls(&error.to_string())
            );
            error.exit_code()
        }
    };
    std::process::exit(code);
}
