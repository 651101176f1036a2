//! Noun phrases: who a cue's subject is, titles, a sentence's main subject.

use super::*;

impl<'a> Doc<'a> {
    pub(super) fn is_title(&self, i: usize) -> bool {
        self.words[i].title
    }

    /// A capitalized run starting at word `i` ("Kremlin spokesperson Dmitry Peskov"):
    /// lowercase titles may join it when a capitalized word follows.
    pub(crate) fn name_run_from(&self, i: usize) -> Option<Np> {
        let mut j = i;
        let mut last_name = None;
        let mut last_title = None;
        while j < self.words.len() {
            if j > i && !self.name_joined(j) {
                break;
            }
            if self.words[j].quote != self.words[i].quote {
                break;
            }
            let w = self.word(j);
            if self.is_title(j) {
                last_title = Some(j);
            } else if self.is_name_token(j) {
                last_name = Some(j);
                if w.ends_with("’s") || w.ends_with("'s") {
                    break;
                }
            } else {
                break;
            }
            j += 1;
        }
        let last = last_name?;
        let core_start = match last_title {
            Some(t) if t < last => t + 1,
            _ => i,
        };
        if core_start > last {
            return None;
        }
        Some(Np {
            kind: NpKind::Name,
            range: self.words[i].start..self.words[last].end,
            core: self.words[core_start].start..self.words[last].end,
        })
    }

    pub(crate) fn looks_like_person(&self, words: &[&str]) -> bool {
        if words.len() > 4 {
            return false;
        }
        let last = words[words.len() - 1]
            .trim_end_matches("’s")
            .trim_end_matches("'s")
            .to_lowercase();
        !self.lex.org_words.contains(last.as_str())
            && words.iter().all(|w| {
                w.chars().next().is_some_and(char::is_alphabetic)
                    && !self.lex.org_words.contains(w.to_lowercase().as_str())
            })
    }

    /// Words of an apposition after a name: "Kirill Dmitriev, a close adviser to …".
    pub(crate) fn apposition_words(&self, after: usize) -> Vec<String> {
        let rest = &self.text[after..];
        let Some(rest) = rest.strip_prefix(", ") else {
            return Vec::new();
        };
        let start = after + 2;
        let i = self.word_at_or_after(start);
        if i >= self.words.len() || self.words[i].start != start {
            return Vec::new();
        }
        let mut buf = [0u8; 32];
        let first = self.lower(i, &mut buf).unwrap_or("");
        if !matches!(first, "a" | "an" | "the" | "who" | "his" | "her") && !self.is_title(i) {
            return Vec::new();
        }
        let end = rest
            .find([',', '.', ';', '\n'])
            .map_or(self.text.len(), |p| after + p);
        self.words_in(start..end)
            .iter()
            .take(8)
            .map(|w| w.to_lowercase())
            .filter(|w| self.lex.person_nouns.contains(w.as_str()))
            .collect()
    }

    /// The noun phrase that ends right before word `k` (the subject of a cue verb).
    pub(super) fn np_left(&self, k: usize, floor: usize) -> Option<Np> {
        let mut i = k.checked_sub(1)?;
        while i > 0 && self.words[i].start >= floor && self.words[i].between {
            i -= 1;
        }
        if self.words[i].start < floor || self.words[i].quote.is_some() {
            return None;
        }
        let gap = &self.text[self.words[i].end..self.words[i + 1].start];
        if gap.trim() == "," && i > 0 {
            // An apposition: "Peskov, the Kremlin spokesman, said".
            let comma = self.text[floor..self.words[i].end].rfind(',')? + floor;
            let j = self.word_at_or_after(comma).checked_sub(1)?;
            if j + 12 < i || self.words[j].start < floor {
                return None;
            }
            return self.np_ending_at(j, floor);
        }
        if !self.only_spaces(self.words[i].end, self.words[i + 1].start) {
            return None;
        }
        self.np_ending_at(i, floor)
    }

    pub(super) fn np_ending_at(&self, i: usize, floor: usize) -> Option<Np> {
        let w = self.word(i);
        let mut buf = [0u8; 32];
        let lower = self.lower(i, &mut buf).unwrap_or("");
        if self.lex.pronouns.contains(lower) {
            let r = self.words[i].start..self.words[i].end;
            return Some(Np {
                kind: NpKind::Pronoun,
                range: r.clone(),
                core: r,
            });
        }
        if self.is_name_token(i) && !w.ends_with("’s") && !w.ends_with("'s") {
            let mut s = i;
            while s > 0
                && self.words[s - 1].start >= floor
                && self.name_joined(s)
                && (self.is_name_token(s - 1) || self.is_title(s - 1))
            {
                s -= 1;
            }
            let mut np = self.name_run_from(s)?;
            if np.range.end != self.words[i].end {
                return None;
            }
            // "The Kremlin": keep the article in the mention, as annotators do.
            if s > 0 && self.only_spaces(self.words[s - 1].end, self.words[s].start) {
                let mut b = [0u8; 32];
                if self.lower(s - 1, &mut b) == Some("the") && self.words[s - 1].start >= floor {
                    np.range.start = self.words[s - 1].start;
                    np.kind = NpKind::Description;
                    np.core = self.words[i].start..self.words[i].end;
                }
            }
            return Some(np);
        }
        if self.lex.person_nouns.contains(lower) {
            // Walk back to a determiner: "the Kremlin adviser", "a campaign spokesman".
            let mut s = i;
            for _ in 0..4 {
                if s == 0 || self.words[s - 1].start < floor {
                    break;
                }
                if !self.only_spaces(self.words[s - 1].end, self.words[s].start) {
                    break;
                }
                s -= 1;
                let mut b = [0u8; 32];
                let l = self.lower(s, &mut b).unwrap_or("");
                if matches!(l, "the" | "a" | "an" | "his" | "her" | "their" | "its") {
                    return Some(Np {
                        kind: NpKind::Description,
                        range: self.words[s].start..self.words[i].end,
                        core: self.words[i].start..self.words[i].end,
                    });
                }
                if self.lex.cue(l).is_some() || self.lex.function_words.contains(l) {
                    break;
                }
            }
            if lower.ends_with('s') {
                let r = self.words[i].start..self.words[i].end;
                return Some(Np {
                    kind: NpKind::Description,
                    range: r.clone(),
                    core: r,
                });
            }
        }
        None
    }

    /// The noun phrase that starts at word `i` ("said Caddell", "said the senator").
    pub(super) fn np_right(&self, i: usize, ceiling: usize) -> Option<Np> {
        if i >= self.words.len() || self.words[i].end > ceiling || self.words[i].quote.is_some() {
            return None;
        }
        let mut buf = [0u8; 32];
        let lower = self.lower(i, &mut buf).unwrap_or("");
        if matches!(lower, "he" | "she" | "they" | "who" | "we") || self.word(i) == "I" {
            let r = self.words[i].start..self.words[i].end;
            return Some(Np {
                kind: NpKind::Pronoun,
                range: r.clone(),
                core: r,
            });
        }
        if matches!(lower, "the" | "a" | "an" | "his" | "her" | "their" | "its") {
            let mut j = i + 1;
            let mut head = None;
            while j < self.words.len() && j <= i + 5 && self.words[j].end <= ceiling {
                if !self.only_spaces(self.words[j - 1].end, self.words[j].start) {
                    break;
                }
                if self.words[j].person_noun || self.is_name_token(j) {
                    head = Some(j);
                } else if head.is_some() || self.cue(j).is_some() {
                    break;
                }
                j += 1;
            }
            let h = head?;
            return Some(Np {
                kind: NpKind::Description,
                range: self.words[i].start..self.words[h].end,
                core: self.words[h].start..self.words[h].end,
            });
        }
        if self.is_name_token(i) || self.is_title(i) {
            let np = self.name_run_from(i)?;
            return (np.range.end <= ceiling).then_some(np);
        }
        None
    }

    /// The subject of a sentence's main clause, after connectives and a leading
    /// subordinate or participial clause ("Asked whether …, Trump replied").
    pub(super) fn main_subject(&self, sentence: Range<usize>) -> Option<Np> {
        let mut i = self.word_at_or_after(sentence.start);
        let end = sentence.end;
        while i < self.words.len() && self.words[i].end <= end && self.words[i].quote.is_some() {
            i += 1;
        }
        if i >= self.words.len() || self.words[i].end > end {
            return None;
        }
        let mut buf = [0u8; 32];
        let first = self.lower(i, &mut buf).unwrap_or("");
        if matches!(
            first,
            "but" | "and" | "yet" | "so" | "still" | "meanwhile" | "also" | "now"
        ) {
            i += 1;
        }
        // A dateline, "KREMLIN, RUSSIA: The Kremlin …", is no subject.
        let head_text = self.text.get(sentence.start..end).unwrap_or("");
        if let Some(p) = dateline_mark(head_text, 48)
            && !head_text[..p].chars().any(char::is_lowercase)
        {
            i = self.word_at_or_after(sentence.start + p);
        }
        let mut b2 = [0u8; 32];
        let head = self
            .lower(i.min(self.words.len() - 1), &mut b2)
            .unwrap_or("");
        let leading_clause = self.lex.prepositions.contains(head)
            || matches!(
                head,
                "after"
                    | "before"
                    | "when"
                    | "while"
                    | "although"
                    | "though"
                    | "despite"
                    | "asked"
                    | "if"
                    | "as"
                    | "since"
                    | "because"
                    | "according"
                    | "for"
                    | "amid"
                    | "following"
                    | "unlike"
                    | "like"
            )
            || head.ends_with("ing");
        if leading_clause {
            let from = self.words.get(i)?.end;
            let comma = self.text.get(from..end)?.find(',')? + from;
            let mut after = comma + 1;
            while let Some(c) = self.text[after..].chars().next() {
                if matches!(c, '”' | '"' | '’' | '\'' | ' ') {
                    after += c.len_utf8();
                } else {
                    break;
                }
            }
            i = self.word_at_or_after(after);
        }
        self.np_right(i, end)
    }

    /// "Trump, who said": the phrase a relative pronoun stands for.
    pub(crate) fn np_before_relative(&self, np: &Np) -> Option<Np> {
        let i = self.word_at_or_after(np.range.start);
        let floor = self
            .sentence_range(self.sentence_index(np.range.start))
            .start;
        let prev = i.checked_sub(1)?;
        let gap = &self.text[self.words[prev].end..self.words[i].start];
        (gap.trim() == ",")
            .then(|| self.np_ending_at(prev, floor))
            .flatten()
    }

    pub(super) fn speaker(&self, np: &Np) -> Speaker {
        Speaker {
            mention: if np.kind == NpKind::Name {
                np.core.clone()
            } else {
                np.range.clone()
            },
            name: speakers::resolve(self, np),
        }
    }

    /// The subject of the cue at word `k`: the phrase before it, else (for participles
    /// and cues whose left side is no noun phrase) the clause's or sentence's subject.
    pub(super) fn cue_subject(&self, k: usize) -> Option<Np> {
        let s = self.sentence_range(self.sentence_index(self.words[k].start));
        let is_participle = self.cue(k).is_some_and(|c| c.participle);
        if !is_participle {
            if let Some(np) = self.np_left(k, s.start) {
                return Some(np);
            }
        } else {
            // The finite cue this participle hangs on: "Ushakov added, calling …".
            let from = self.word_at_or_after(s.start);
            for j in (from..k).rev() {
                if self.words[j].quote.is_none()
                    && self.cue(j).is_some_and(|c| !c.participle)
                    && let Some(np) = self.cue_subject(j)
                {
                    return Some(np);
                }
            }
        }
        self.subjects[self.sentence_index(self.words[k].start)].clone()
    }
}
