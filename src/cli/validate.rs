use super::args::ValidateArgs;
use crate::dataset::{self, Dataset};
use crate::error::Result;

pub fn execute(args: ValidateArgs) -> Result<i32> {
    let summary = dataset::validate(&args.dataset)?;
    println!("{summary}");
    if let Some(pred) = &args.pred {
        let dataset = Dataset::open(&args.dataset)?;
        let rows = dataset.read_predictions(pred)?;
        println!(
            "{}: {} prediction rows, all valid",
            pred.display(),
            rows.len()
        );
    }
    Ok(0)
}
