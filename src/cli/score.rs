use super::args::ScoreArgs;
use super::show::plural;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::model::Task;
use crate::record::{
    ResultRecord, SpeakersResultRecord, TableStyle, TaskResult, by_mention_type_table,
    by_type_table, confusion_caption, confusion_table, scores_table, speakers_breakdown_table,
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
    let name = args.pred.display().to_string();
    let result = match args.task {
        Task::Speakers => {
            let scored = crate::scoring::score_speakers(&dataset, &predictions, &options)?;
            let r = SpeakersResultRecord::new(
                name,
                dataset.name(),
                scored.aggregate,
                &scored.confusion,
            );
            TaskResult::Speakers(r)
        }
        Task::Extract => {
            let scored = crate::scoring::score_dataset(&dataset, &predictions, &options)?;
            let r = ResultRecord::new(name, dataset.name(), scored.aggregate, &scored.confusion);
            TaskResult::Extract(r)
        }
    };
    if args.json {
        // Untagged: the record as `run.json` holds it.
        println!(
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        );
        return Ok(0);
    }
    let articles = dataset.article_ids().len();
    match &result {
        TaskResult::Extract(result) => {
            println!(
                "{} against {} ({}; overlap τ = {}, speaker match {}, types {})",
                args.pred.display(),
                dataset.name(),
                plural(articles, "article"),
                options.overlap,
                options.speaker_match.as_str(),
                options.types_flag()
            );
            println!("{}", scores_table(result, TableStyle::Text));
            if let Some(table) = by_type_table(result, TableStyle::Text) {
                println!("by gold type (pair recall R, precision P):\n{table}");
            }
            if let Some(table) = by_mention_type_table(result, TableStyle::Text) {
                println!("by gold mention type (pair recall R):\n{table}");
            }
            if let Some(table) = confusion_table(result, TableStyle::Text) {
                println!("{}\n{table}", confusion_caption(result));
            }
        }
        TaskResult::Speakers(result) => {
            println!(
                "{} against {}, speakers task ({} articles; speaker match {})",
                args.pred.display(),
                dataset.name(),
                articles,
                options.speaker_match.as_str(),
            );
            println!("{}", speakers_scores_table(result, TableStyle::Text));
            if let Some(table) = speakers_breakdown_table(result, TableStyle::Text) {
                println!("speaker accuracy by gold type and mention type:\n{table}");
            }
            if let Some(table) = speakers_confusion_table(result, TableStyle::Text) {
                println!("{table}");
            }
        }
    }
    Ok(0)
}
