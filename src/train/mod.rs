//! Training the neural models (cargo feature `bert`): `attr-eval train tagger` and
//! `attr-eval train linker`. Inference never needs this module.

pub mod linker;
pub mod split;
pub mod tagger;
