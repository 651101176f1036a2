use attr_eval::cli::{Cli, dispatch, restore_default_sigpipe};
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
