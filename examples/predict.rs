//! Runs the `rules` model over a folder of `.txt` articles and prints schema-2 CSV.
//!
//! `cargo run --release --example predict -- datasets/seed/articles > rules.csv`

use attr_eval::dataset::Article;
use attr_eval::model::Model;
use attr_eval::model::rules::Rules;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    attr_eval::cli::restore_default_sigpipe();
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        anyhow::bail!("usage: predict FOLDER_OF_TXT");
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let model = Rules::new();
    let mut rows = Vec::new();
    for path in paths {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path)?;
        let article = Article::new(id, text);
        rows.extend(
            model
                .predict(&article)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        );
    }
    attr_eval::attribution::write_csv(std::io::stdout().lock(), &rows)?;
    Ok(())
}
