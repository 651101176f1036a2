//! Stage 1 of the pipeline: datasets (SPEC 1) and the attribution CSV (SPEC 2).

mod aliases;
mod article;

pub use aliases::{AliasEntry, Aliases};
pub use article::Article;
