//! `attr-eval show`: a dataset's articles, one article with its gold rows, a model's rows
//! on it (run on the spot), or an article as a saved run scored it (docs/cli.md#show).

use super::args::{ShowArgs, ShowFormat};
use super::show_view::{self, ModelView, RowView, describe};
use crate::attribution::{Attribution, QuoteType};
use crate::dataset::{Article, Dataset};
use crate::error::{Error, Result, escape_controls};
use crate::model::{self, ModelSpec, Task};
use crate::record::saved::{self, SavedArticle};
use crate::record::{LoadedRun, read_run};
use crate::scoring::{self, PerScheme, Scheme, ScoringOptions};
use comfy_table::{CellAlignment, Table, presets};
use serde::Serialize;
use serde_json::json;
use std::path::Path;

pub fn execute(args: ShowArgs) -> Result<i32> {
    let scheme: Scheme = args.scheme.into();
    match &args.run {
        Some(run) => {
            if args.article_id.is_some() {
                return Err(Error::Usage(
                    "with --run, give only the article id: `attr-eval show --run DIR \
                     ARTICLE_ID` (the run names its datasets)"
                        .into(),
                ));
            }
            show_saved(run, args.dataset.as_deref(), &args, scheme)
        }
        None => {
            let Some(spec) = &args.dataset else {
                return Err(Error::Usage(
                    "show needs a dataset (`attr-eval show D [ARTICLE_ID]`) or a run folder \
                     (`attr-eval show --run DIR [ARTICLE_ID]`)"
                        .into(),
                ));
            };
            if args.errors && args.model.is_none() {
                return Err(Error::Usage(
                    "--errors needs a model's rows: add --model M, or --run DIR for a saved run"
                        .into(),
                ));
            }
            if args.article_id.is_none() && args.model.is_some() {
                return Err(Error::Usage(format!(
                    "--model runs a model on one article: `attr-eval show {spec} ARTICLE_ID \
                     --model M` (`attr-eval show {spec}` lists the ids)"
                )));
            }
            let dataset = Dataset::open(spec)?;
            match &args.article_id {
                None => list_dataset(&dataset, spec, args.format),
                Some(id) => show_live(&dataset, spec, id, &args, scheme),
            }
        }
    }
}

/// `show D`: every article with its gold rows by type.
fn list_dataset(dataset: &Dataset, spec: &str, format: ShowFormat) -> Result<i32> {
    #[derive(Serialize)]
    struct Entry<'a> {
        article_id: &'a str,
        chars: usize,
        gold: usize,
        direct: usize,
        indirect: usize,
        mixed: usize,
    }
    let mut entries = Vec::new();
    for (article, id) in dataset.articles().zip(dataset.article_ids()) {
        let article = article?;
        let gold = dataset.gold_for(id)?;
        let of = |t: QuoteType| gold.iter().filter(|r| r.gold_type() == t).count();
        entries.push(Entry {
            article_id: id,
            chars: article.char_len(),
            gold: gold.len(),
            direct: of(QuoteType::Direct),
            indirect: of(QuoteType::Indirect),
            mixed: of(QuoteType::Mixed),
        });
    }
    if format == ShowFormat::Json {
        let value = json!({
            "dataset": dataset.name(),
            "path": dataset.path().display().to_string(),
            "fingerprint": dataset.fingerprint(),
            "articles": entries,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut table = counts_table(&["article", "chars", "gold", "direct", "indirect", "mixed"]);
    for e in &entries {
        table.add_row(vec![
            escape_controls(e.article_id).into_owned(),
            e.chars.to_string(),
            e.gold.to_string(),
            e.direct.to_string(),
            e.indirect.to_string(),
            e.mixed.to_string(),
        ]);
    }
    println!("{table}");
    println!(
        "{}: {}, {} gold rows; `attr-eval show {} ARTICLE_ID` shows one",
        dataset.name(),
        plural(entries.len(), "article"),
        dataset.gold_rows(),
        spec
    );
    Ok(0)
}

pub(super) fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn counts_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(header.to_vec());
    for index in 1..header.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

fn article_of(dataset: &Dataset, id: &str, how_to_list: &str) -> Result<Article> {
    dataset.article(id)?.ok_or_else(|| {
        Error::Usage(format!(
            "dataset `{}` has no article `{}`: {how_to_list} lists its articles",
            dataset.name(),
            escape_controls(id)
        ))
    })
}

fn print_text(dataset: &Dataset, article: &Article) {
    println!(
        "{} / {} ({} characters)\n\n{}\n",
        dataset.name(),
        article.id,
        article.char_len(),
        article.text
    );
}

/// `show D ARTICLE_ID [--model M]`: the gold rows, or the model run on the article now.
fn show_live(
    dataset: &Dataset,
    spec: &str,
    id: &str,
    args: &ShowArgs,
    scheme: Scheme,
) -> Result<i32> {
    let article = article_of(dataset, id, &format!("`attr-eval show {spec}`"))?;
    let gold = dataset.gold_for(&article.id)?;
    let Some(model_spec) = &args.model else {
        if args.format == ShowFormat::Json {
            let value = json!({"dataset": dataset.name(), "article_id": article.id,
                               "chars": article.char_len(), "gold": gold});
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            return Ok(0);
        }
        print_text(dataset, &article);
        println!("gold ({} rows):", gold.len());
        for row in &gold {
            println!("  {}", describe(row));
        }
        return Ok(0);
    };
    let model_spec = ModelSpec::parse(model_spec)?;
    let model = model::load(&model_spec, dataset, &model::LoadOptions::default())?;
    let predictions = model.predict(&article).map_err(|e| Error::Model {
        model: model_spec.name.clone(),
        message: format!("article `{}`: {e}", article.id),
    })?;
    let options = ScoringOptions::default();
    let score = scoring::score_article(&article, &gold, &predictions, dataset.aliases(), &options)?;
    let ignored: Vec<Attribution> = score
        .schemes
        .get(scheme)
        .ignored
        .iter()
        .filter_map(|&i| predictions.get(i).cloned())
        .collect();
    let view = ModelView {
        model: &model_spec.name,
        dataset: dataset.name(),
        article_id: &article.id,
        task: Task::Extract,
        scheme: scheme.as_str(),
        error: None,
        counts: score.schemes.get(scheme).counts,
        all_counts: Some(PerScheme::from_fn(|s| score.schemes.get(s).counts)),
        rows: score
            .schemes
            .get(scheme)
            .outcomes
            .iter()
            .map(|o| RowView {
                kind: o.kind,
                gold: o.gold.and_then(|i| gold.get(i)),
                pred: o.pred.and_then(|i| predictions.get(i)),
                sim: o.sim,
            })
            .collect(),
        ignored: &ignored,
    };
    let view = if args.errors {
        view.errors_only()
    } else {
        view
    };
    if args.format == ShowFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&view).unwrap_or_default()
        );
        return Ok(0);
    }
    print_text(dataset, &article);
    print!("{}", show_view::render(&view, &options, args.errors));
    Ok(0)
}

/// `show --run DIR [ARTICLE_ID]`: from the run folder alone (and the dataset's text),
/// never running a model.
fn show_saved(folder: &Path, id: Option<&str>, args: &ShowArgs, scheme: Scheme) -> Result<i32> {
    let run = read_run(folder)?;
    let all = saved::articles(&run);
    if let Some(name) = &args.model
        && !run.record.models.iter().any(|m| &m.name == name)
    {
        return Err(Error::Usage(format!(
            "the run at {} has no model `{}` (its models: {})",
            folder.display(),
            escape_controls(name),
            run.record
                .models
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let chosen: Vec<SavedArticle> = all
        .into_iter()
        .filter(|a| args.model.as_ref().is_none_or(|m| a.model() == m))
        .collect();
    let Some(id) = id else {
        return list_saved(&run, &chosen, args.format, scheme);
    };
    let lines: Vec<&SavedArticle> = chosen.iter().filter(|a| a.article_id() == id).collect();
    if lines.is_empty() {
        return Err(Error::Usage(format!(
            "the run at {} has no article `{}`{}: `attr-eval show --run {}` lists its articles",
            folder.display(),
            escape_controls(id),
            args.model
                .as_ref()
                .map(|m| format!(" for model `{m}`"))
                .unwrap_or_default(),
            folder.display()
        )));
    }
    for line in &lines {
        line.check(&run)?;
    }
    let moved = args
        .dataset_path
        .as_deref()
        .map(Dataset::open)
        .transpose()?;
    // One article id may be in several datasets of the run: each is shown, its text once.
    let mut datasets: Vec<&str> = lines.iter().map(|l| l.dataset()).collect();
    datasets.dedup();
    let options = &run.record.scoring;
    let mut json_views = Vec::new();
    for name in datasets {
        let views: Vec<ModelView> = lines
            .iter()
            .filter(|l| l.dataset() == name)
            .map(|l| saved_view(l, scheme, args.errors))
            .collect();
        if args.format == ShowFormat::Json {
            json_views.extend(views);
            continue;
        }
        let dataset = saved::open_dataset(&run, name, moved.as_ref())?;
        let listing = format!("`attr-eval show {}`", dataset.path().display());
        let article = article_of(&dataset, id, &listing)?;
        print_text(&dataset, &article);
        for view in &views {
            println!("{}", show_view::render(view, options, args.errors));
        }
    }
    if args.format == ShowFormat::Json {
        let value = json!({"run": folder.display().to_string(), "scoring": options,
                           "views": json_views});
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    }
    Ok(0)
}

fn saved_view<'a>(line: &SavedArticle<'a>, scheme: Scheme, errors: bool) -> ModelView<'a> {
    let view = ModelView {
        model: line.model(),
        dataset: line.dataset(),
        article_id: line.article_id(),
        task: if line.is_speakers() {
            Task::Speakers
        } else {
            Task::Extract
        },
        scheme: scheme.as_str(),
        error: line.error(),
        counts: line.counts(scheme),
        all_counts: (!line.is_speakers()).then(|| PerScheme::from_fn(|s| line.counts(s))),
        rows: line.rows(scheme).into_iter().map(RowView::from).collect(),
        ignored: line.ignored(scheme),
    };
    if errors { view.errors_only() } else { view }
}

/// `show --run DIR`: every article line of the run with its counts.
fn list_saved(
    run: &LoadedRun,
    lines: &[SavedArticle],
    format: ShowFormat,
    scheme: Scheme,
) -> Result<i32> {
    if format == ShowFormat::Json {
        let entries: Vec<_> = lines
            .iter()
            .map(|l| {
                json!({"dataset": l.dataset(), "article_id": l.article_id(), "model": l.model(),
                       "counts": l.counts(scheme), "error": l.error()})
            })
            .collect();
        let value = json!({"run": run.folder.display().to_string(), "scheme": scheme.as_str(),
                           "articles": entries});
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(0);
    }
    let mut table = counts_table(&[
        "dataset", "article", "model", "gold", "COR", "INC", "MIS", "SPU", "failed",
    ]);
    if let Some(column) = table.column_mut(1) {
        column.set_cell_alignment(CellAlignment::Left);
    }
    if let Some(column) = table.column_mut(2) {
        column.set_cell_alignment(CellAlignment::Left);
    }
    for l in lines {
        let c = l.counts(scheme);
        table.add_row(vec![
            l.dataset().to_string(),
            escape_controls(l.article_id()).into_owned(),
            l.model().to_string(),
            c.gold.to_string(),
            c.cor.to_string(),
            c.inc.to_string(),
            c.mis.to_string(),
            c.spu.to_string(),
            if l.error().is_some() { "yes" } else { "" }.to_string(),
        ]);
    }
    println!("{table}");
    let wrong = |l: &&SavedArticle| {
        let c = l.counts(scheme);
        c.inc + c.mis + c.spu > 0
    };
    println!(
        "{} ({} with an INC, MIS or SPU), {}; `attr-eval show --run {} ARTICLE_ID` shows one",
        plural(lines.len(), "article line"),
        lines.iter().filter(wrong).count(),
        match run.record.task {
            Task::Speakers => "speakers task".to_string(),
            Task::Extract => format!("{} scheme", scheme.as_str()),
        },
        run.folder.display()
    );
    Ok(0)
}
