use super::args::MergeArgs;
use crate::error::Result;

pub fn execute(args: MergeArgs) -> Result<i32> {
    let merged = crate::merge::merge(
        &args.runs,
        &args.out,
        &args.name,
        std::env::args().collect(),
    )?;
    eprintln!(
        "merged {} shards into {}",
        args.runs.len(),
        merged.display()
    );
    println!("{}", merged.display());
    Ok(crate::error::exit_code::SUCCESS)
}
