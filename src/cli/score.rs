use super::args::ScoreArgs;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::model::Task;
use crate::record::{
    ResultRecord, SpeakersResultRecord, TableStyle, by_mention_type_table, by_type_table,
    confusion_caption, confusion_table, scores_table, speakers_breakdown_table,
    speakers_confusion_table, speakers_scores_table,
};
use crate::scoring::ScoringOptions;

pub fn execute(args: ScoreArgs) -> Result<i32> {
    let mut options = args.scoring.apply_to(ScoringOptions::default());
    if args.scoring.speaker_match.is_none() {
        let (mode, note) =
            crate::dataset::declared_speaker_match(std::slice::from_ref(&args.dataset))?;
        options.speaker_match = mode;
        if let Some(note) = note {
            eprintln!("{note}");
        }
    }
    let dataset = Dataset::open(&args.dataset)?;
    let predictions = dataset.read_predictions(&args.pred)?;
    if args.task == Task::Speakers {
        return speakers(&args, &dataset, &predictions, &options);
    }
    let scored = crate::scoring::score_dataset(&dataset, &predictions, &options)?;
    let result = ResultRecord::new(
        args.pred.display().to_string(),
        dataset.name(),
        scored.aggregate,
        &scored.confusion,
    );
    if args.json {
        print_json(&result);
    } else {
        println!(
            "{} against {} ({} article{}; overlap τ = {}, speaker match {}, types {})",
            args.pred.display(),
            dataset.name(),
            dataset.article_ids().len(),
            if dataset.article_ids().len() == 1 {
                ""
            } else {
                "s"
            },
            options.overlap,
            options.speaker_match.as_str(),
            options.types_flag()
        );
        println!("{}", scores_table(&result, TableStyle::Text));
        if let Some(table) = by_type_table(&result, TableStyle::Text) {
            println!("by gold type (pair recall R, precision P):\n{table}");
        }
        if let Some(table) = by_mention_type_table(&result, TableStyle::Text) {
            println!("by gold mention type (pair recall R):\n{table}");
        }
        if let Some(table) = confusion_table(&result, TableStyle::Text) {
            println!("{}\n{table}", confusion_caption(&result));
        }
    }
    Ok(0)
}

/// `score --task speakers`: the figures of docs/tasks.md#speakers.
fn speakers(
    args: &ScoreArgs,
    dataset: &Dataset,
    answers: &[crate::attribution::Attribution],
    options: &ScoringOptions,
) -> Result<i32> {
    let scored = crate::scoring::score_speakers(dataset, answers, options)?;
    let result = SpeakersResultRecord::new(
        args.pred.display().to_string(),
        dataset.name(),
        scored.aggregate,
        &scored.confusion,
    );
    if args.json {
        print_json(&result);
        return Ok(0);
    }
    println!(
        "{} against {}, speakers task ({} articles; speaker match {})",
        args.pred.display(),
        dataset.name(),
        dataset.article_ids().len(),
        options.speaker_match.as_str(),
    );
    println!("{}", speakers_scores_table(&result, TableStyle::Text));
    if let Some(table) = speakers_breakdown_table(&result, TableStyle::Text) {
        println!("speaker accuracy by gold type and mention type:\n{table}");
    }
    if let Some(table) = speakers_confusion_table(&result, TableStyle::Text) {
        println!("{table}");
    }
    Ok(0)
}

/// `--json`: the result record as `run.json` holds it.
fn print_json(result: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(result).unwrap_or_default()
    );
}
