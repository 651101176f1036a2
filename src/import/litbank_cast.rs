//! LitBank's cast: for each speaker entity of the quotation layer, its proper-name
//! mentions in the coreference layer (`coref/tsv/<text>.ann`: `MENTION` and `COREF`
//! lines) become aliases of the speaker's name, so that "Mr. Darcy" and "Darcy" in a
//! prediction resolve to the entity the gold names (docs/datasets.md#aliases).
//!
//! A `MENTION` line is `MENTION id sentence token sentence token text type kind`
//! (tab-separated); a name is a mention of entity type `PER` and kind `PROP`. A `COREF`
//! line is `COREF mention-id entity-id`, the entity ids being those of `ATTRIB` lines.
//! Other lines (`COP`, …) are other layers and are skipped.

use super::{input, read_text};
use crate::error::{Location, Result};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The `(name, alias)` rows of one text, in the order the mentions come, each once:
/// `speakers` are the entity ids of its `ATTRIB` lines, `name_of` turns one into the
/// speaker name the gold carries.
pub fn cast_rows(
    coref_file: &Path,
    speakers: &HashSet<String>,
    name_of: impl Fn(&str) -> String,
) -> Result<Vec<(String, String)>> {
    let content = read_text(coref_file)?;
    let mut names: Vec<(String, String)> = Vec::new(); // (mention id, text)
    let mut entity_of: HashMap<String, String> = HashMap::new();
    for (index, line) in content.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let at = |message: String| input(Location::line(coref_file, index as u64 + 1), message);
        match fields.first().copied() {
            Some("MENTION") => {
                if fields.len() < 9 {
                    return Err(at(format!(
                        "a MENTION line has 9 tab-separated fields, this one {}",
                        fields.len()
                    )));
                }
                if fields[7] == "PER" && fields[8].trim() == "PROP" {
                    names.push((fields[1].to_string(), fields[6].trim().to_string()));
                }
            }
            Some("COREF") => {
                if fields.len() < 3 {
                    return Err(at("a COREF line has 3 tab-separated fields".into()));
                }
                entity_of.insert(fields[1].to_string(), fields[2].trim().to_string());
            }
            // Other layers of the file (copulae `COP`, appositions) say nothing of names.
            _ => {}
        }
    }
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (mention, text) in names {
        let Some(entity) = entity_of.get(&mention) else {
            continue;
        };
        if !speakers.contains(entity) || text.is_empty() {
            continue;
        }
        let name = name_of(entity);
        if text != name && seen.insert((name.clone(), text.clone())) {
            rows.push((name, text));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proper_names_of_speaking_entities_become_aliases() {
        let (_dir, file) = crate::test_support::temp_file(
            "x_brat.ann",
            "MENTION\tT1\t0\t0\t0\t1\tMr. Darcy\tPER\tPROP\n\
             MENTION\tT2\t1\t0\t1\t0\the\tPER\tPRON\n\
             MENTION\tT3\t2\t0\t2\t0\tDarcy\tPER\tPROP\n\
             MENTION\tT4\t3\t0\t3\t0\tPemberley\tFAC\tPROP\n\
             MENTION\tT5\t4\t0\t4\t0\tJane\tPER\tPROP\n\
             MENTION\tT6\t5\t0\t5\t0\tDarcy\tPER\tPROP\n\
             COREF\tT1\tDarcy-0\nCOREF\tT2\tDarcy-0\nCOREF\tT3\tDarcy-0\n\
             COREF\tT4\tPemberley-1\nCOREF\tT5\tJane-2\nCOREF\tT6\tDarcy-0\n",
        );
        let speakers: HashSet<String> = ["Darcy-0".to_string()].into();
        let rows = cast_rows(&file, &speakers, |id| id.trim_end_matches("-0").to_string()).unwrap();
        // "Darcy" is the name itself; Jane does not speak; a pronoun is no name.
        assert_eq!(rows, [("Darcy".to_string(), "Mr. Darcy".to_string())]);
    }

    #[test]
    fn a_malformed_line_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x_brat.ann");
        std::fs::write(&file, "COREF\tT1\tA-0\nMENTION\tT1\t0\n").unwrap();
        let error = cast_rows(&file, &HashSet::new(), str::to_string)
            .unwrap_err()
            .to_string();
        assert!(error.contains("x_brat.ann:2"), "{error}");
    }
}
