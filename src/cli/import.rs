use super::args::ImportCommand;
use crate::error::Result;
use crate::import;

pub fn execute(command: ImportCommand) -> Result<i32> {
    let summary = match command {
        ImportCommand::Polnear(args) => import::import_polnear(&args.src, &args.out)?,
        ImportCommand::Litbank(args) => {
            import::import_litbank(&args.src, args.coref.as_deref(), &args.out)?
        }
        ImportCommand::Pdnc(args) => import::import_pdnc(&args.src, &args.out)?,
    };
    println!("{summary}");
    Ok(0)
}
