//! Indirect (reported) speech: the clause a cue introduces, and `according to`.

use super::*;

impl<'a> Doc<'a> {
    /// Reported clauses: `X said (that) …`, `X told reporters …`, `according to X`.
    pub(super) fn indirect_quotes(&self, found: &mut Vec<Found>, in_post: &dyn Fn(usize) -> bool) {
        for k in 0..self.words.len() {
            if self.words[k].quote.is_some() || in_post(self.words[k].start) {
                continue;
            }
            if let Some(cue) = self.cue(k).filter(|_| !self.after_to(k)) {
                let Some(start) = self.clause_start(k, cue.complement) else {
                    continue;
                };
                let Some(content) = self.clause(start) else {
                    continue;
                };
                let Some(np) = self.cue_subject(k) else {
                    continue;
                };
                found.push(Found {
                    content,
                    kind: QuoteType::Indirect,
                    cue: Some(self.words[k].start..self.words[k].end),
                    speaker: Some(self.speaker(&np)),
                });
            } else if let Some(found_row) = self.according_to_clause(k) {
                found.push(found_row);
            }
        }
    }

    /// Where the reported clause after the cue at word `k` starts, if it has one.
    pub(super) fn clause_start(&self, k: usize, complement: Complement) -> Option<usize> {
        let next = k + 1;
        if next >= self.words.len() {
            return None;
        }
        let gap = &self.text[self.words[k].end..self.words[next].start];
        if !gap.chars().all(|c| c == ' ') {
            return None;
        }
        let sentence_end = self
            .sentence_range(self.sentence_index(self.words[k].start))
            .end;
        let that_within = |from: usize, limit: usize| -> Option<usize> {
            (from..(from + limit).min(self.words.len())).find(|&j| {
                let mut b = [0u8; 32];
                self.words[j].end <= sentence_end
                    && self.words[j].quote.is_none()
                    && self.lower(j, &mut b) == Some("that")
            })
        };
        let mut b = [0u8; 32];
        let first = self.lower(next, &mut b).unwrap_or("").to_string();
        let after = |j: usize| (j + 1 < self.words.len()).then(|| self.words[j + 1].start);
        match complement {
            Complement::None => None,
            Complement::Accuse => Some(self.words[next].start),
            Complement::Clause | Complement::That => {
                if first == "that" {
                    return after(next);
                }
                if self.lex.prepositions.contains(first.as_str()) {
                    return that_within(next, 6).and_then(after);
                }
                if complement == Complement::Clause
                    && !matches!(
                        first.as_str(),
                        "of" | "about" | "so" | "by" | "for" | "and" | "or" | "but"
                    )
                {
                    return Some(self.words[next].start);
                }
                None
            }
            Complement::Object => {
                // The addressee: a pronoun, "reporters", or a name or description.
                let mut j = next;
                if matches!(
                    first.as_str(),
                    "him"
                        | "her"
                        | "them"
                        | "me"
                        | "us"
                        | "reporters"
                        | "journalists"
                        | "supporters"
                        | "voters"
                        | "lawmakers"
                ) {
                    j += 1;
                } else if let Some(np) = self.np_right(next, sentence_end) {
                    j = self.word_at_or_after(np.range.end);
                } else {
                    return None;
                }
                if j >= self.words.len() || self.words[j].end > sentence_end {
                    return None;
                }
                let mut b2 = [0u8; 32];
                if self.lower(j, &mut b2) == Some("that") {
                    return after(j);
                }
                let gap = &self.text[self.words[j - 1].end..self.words[j].start];
                gap.chars().all(|c| c == ' ').then_some(self.words[j].start)
            }
        }
    }

    /// The reported clause from `start` to the end of its sentence or the first
    /// clause break (", though", " and stressed").
    pub(super) fn clause(&self, start: usize) -> Option<Range<usize>> {
        let s = self.sentence_index(start);
        let sentence = self.sentence_range(s);
        // "adding that “…”": the quote is the direct row, there is no clause of its own.
        if self.quote_at(start).is_some() {
            return None;
        }
        let mut end = sentence.end;
        let first = self.word_at_or_after(start);
        for j in first.max(1)..self.words.len() {
            let w = &self.words[j];
            if w.start >= sentence.end {
                break;
            }
            if w.quote.is_some() {
                continue;
            }
            let gap = &self.text[self.words[j - 1].end..w.start];
            let mut b = [0u8; 32];
            let lower = self.lower(j, &mut b).unwrap_or("");
            if gap.contains(';') || gap.contains(':') || gap.contains(" — ") || gap.contains(" – ")
            {
                end = self.words[j - 1].end + gap.find([';', ':', ' ']).unwrap_or(0);
                break;
            }
            if gap.trim_start().starts_with(',') && CLAUSE_BREAKS.contains(&lower) {
                end = self.words[j - 1].end + gap.find(',').unwrap_or(0);
                break;
            }
            if lower == "and"
                && j + 1 < self.words.len()
                && self.cue(j + 1).is_some_and(|c| !c.participle)
            {
                end = self.words[j - 1].end + gap.find(',').unwrap_or(0);
                break;
            }
        }
        let text = &self.text[start..end.max(start)];
        let mut trimmed = text.trim_end();
        // A closing quotation mark belongs to the clause; its final stop does too only
        // inside the mark.
        trimmed = trimmed.trim_end_matches([',', ';', ':']);
        if trimmed.ends_with(['.', '!', '?']) {
            trimmed = &trimmed[..trimmed.len() - 1];
        }
        let trimmed = trimmed.trim_end();
        if trimmed.split_whitespace().count() < 3 {
            return None;
        }
        Some(start..start + trimmed.len())
    }

    /// `According to X, CLAUSE.` and `CLAUSE, according to X.`
    pub(super) fn according_to_clause(&self, k: usize) -> Option<Found> {
        if !self.word(k).eq_ignore_ascii_case("according") {
            return None;
        }
        let s = self.sentence_range(self.sentence_index(self.words[k].start));
        let np = self.according_to(k, s.end)?;
        let cue = Some(self.words[k].start..self.words[k + 1].end);
        let speaker = Some(self.speaker(&np));
        if self.words[k].start == s.start {
            let comma = self.text.get(np.range.end..s.end)?.find(',')? + np.range.end;
            let start = comma
                + 1
                + (self.text[comma + 1..].len() - self.text[comma + 1..].trim_start().len());
            let content = self.clause(start)?;
            return Some(Found {
                content,
                kind: QuoteType::Indirect,
                cue,
                speaker,
            });
        }
        let before = self.text[s.start..self.words[k].start].trim_end();
        let before = before.strip_suffix(',')?.trim_end();
        if before.split_whitespace().count() < 3 || self.quote_at(s.start).is_some() {
            return None;
        }
        Some(Found {
            content: s.start..s.start + before.len(),
            kind: QuoteType::Indirect,
            cue,
            speaker,
        })
    }
}
