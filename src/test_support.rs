//! Helpers for the unit tests of several modules.

use crate::attribution::{Attribution, Span};
use std::path::{Path, PathBuf};

/// `../shared/data/<relative>` beside the checkout when it is there; otherwise `None`,
/// after printing why the calling test skips (a fresh clone has no `../shared`).
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(relative);
    if path.exists() {
        Some(path)
    } else {
        println!("skipped: {} is absent", path.display());
        None
    }
}

/// A row of `article_id` quoting `quote` from code point `start`, credited to `speaker`.
pub fn row_at(article_id: &str, quote: &str, speaker: &str, start: usize) -> Attribution {
    Attribution {
        article_id: article_id.into(),
        quote: quote.into(),
        speaker: speaker.into(),
        quote_span: Some(Span::new(start, start + quote.chars().count())),
        ..Attribution::default()
    }
}

/// A corpus from `../shared/data` imported into a temporary folder, kept while this lives.
pub struct Imported<S> {
    pub summary: S,
    pub dir: PathBuf,
    _temp: tempfile::TempDir,
}

/// Imports `../shared/data/<relative>` with `import` into a fresh folder named `name`;
/// `None`, after saying why, when the data is absent.
pub fn import_shared<S>(
    relative: &str,
    name: &str,
    import: impl FnOnce(&Path, &Path) -> crate::error::Result<S>,
) -> Option<Imported<S>> {
    let src = shared_data(relative)?;
    let temp = tempfile::tempdir().expect("a temporary folder");
    let dir = temp.path().join(name);
    let summary = import(&src, &dir).unwrap_or_else(|e| panic!("importing {relative}: {e}"));
    Some(Imported {
        summary,
        dir,
        _temp: temp,
    })
}

/// A file `name` holding `contents` in a fresh temporary folder (removed when the
/// returned folder is dropped).
pub fn temp_file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("the file is written");
    (dir, path)
}
