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
