//! attr-eval: an evaluation harness for quote-attribution models.
//!
//! The modules follow the pipeline a run takes:
//! [`dataset`] → [`model`] → [`scoring`] → [`record`], with [`import`] bringing other
//! corpora into the dataset format and [`cli`] a thin command line over all of it.

// Lets unit tests include files written for benches, which name the crate.
#[cfg(test)]
extern crate self as attr_eval;

pub mod attribution;
pub mod cli;
pub mod compare;
pub mod cpu_time;
pub mod dataset;
pub mod error;
pub mod experiment;
pub mod import;
pub mod merge;
pub mod model;
pub mod record;
pub mod runner;
pub mod scoring;
pub mod shard;
pub mod signals;
#[cfg(test)]
mod test_support;
#[cfg(feature = "bert")]
pub mod train;

pub use attribution::{Attribution, QuoteType, Span};
pub use error::{Error, InputError, Location, Result};
