//! Stage 3 of the pipeline: alignment and scoring (SPEC 3).

mod types;

pub use types::*;
