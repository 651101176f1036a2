//! Direct quotes: the patterns around a quotation (`“…,” X said`, `X said: “…”`),
//! continued quotes and embedded social posts.

use super::*;

impl<'a> Doc<'a> {
    /// Embedded social posts: a paragraph followed by `— Name (@handle) date`.
    pub(super) fn posts(&self) -> Vec<Post> {
        let mut posts = Vec::new();
        let text = self.text;
        let mut offset = 0;
        let mut prev: Option<Range<usize>> = None;
        for line in text.split('\n') {
            let range = offset..offset + line.len();
            offset += line.len() + 1;
            let trimmed = line.trim_start();
            let lead = line.len() - trimmed.len();
            if let Some(rest) = trimmed
                .strip_prefix('—')
                .or_else(|| trimmed.strip_prefix('–'))
                .or_else(|| trimmed.strip_prefix("- "))
                .or_else(|| trimmed.strip_prefix("--"))
                && let Some(paren) = rest.find("(@")
                && let Some(prev_range) = prev.clone()
            {
                let name_raw = &rest[..paren];
                let name = name_raw.trim();
                let dash_len = trimmed.len() - rest.len();
                let name_start =
                    range.start + lead + dash_len + (name_raw.len() - name_raw.trim_start().len());
                let mut quote = prev_range.clone();
                let body = &text[quote.clone()];
                let mut cut = body.len();
                for marker in ["https://", "http://", "pic.twitter.com"] {
                    if let Some(p) = body.find(marker) {
                        cut = cut.min(p);
                    }
                }
                let kept = body[..cut].trim_end();
                let lead_ws = kept.len() - kept.trim_start().len();
                quote = quote.start + lead_ws..quote.start + kept.len();
                if !name.is_empty()
                    && name.split_whitespace().count() <= 5
                    && text[quote.clone()].chars().any(char::is_alphanumeric)
                {
                    posts.push(Post {
                        paragraph: prev_range,
                        quote,
                        mention: name_start..name_start + name.len(),
                    });
                }
            }
            if !line.trim().is_empty() {
                prev = Some(range);
            }
        }
        posts
    }

    /// Attributes every top-level quote (a quote running over paragraphs shares one
    /// speaker across its parts).
    pub(super) fn direct_quotes(&self, found: &mut Vec<Found>, in_post: &dyn Fn(usize) -> bool) {
        let mut last: Option<(usize, Speaker, Option<Range<usize>>)> = None;
        let mut chain: Vec<usize> = Vec::new();
        for q in 0..self.quotes.len() {
            chain.push(q);
            if self.quotes[q].continues {
                continue;
            }
            let parts = std::mem::take(&mut chain);
            if parts.iter().any(|&p| in_post(self.quotes[p].open)) {
                continue;
            }
            let own: Vec<_> = parts.iter().map(|&p| self.attribute(p)).collect();
            let mut shared = own.iter().flatten().next().cloned();
            if shared.is_none() {
                shared = self.continuation(parts[0], &last);
            }
            let Some(shared) = shared else { continue };
            for (&p, own) in parts.iter().zip(own) {
                let (speaker, cue) = own.unwrap_or_else(|| shared.clone());
                found.push(Found {
                    content: self.quotes[p].inner.clone(),
                    kind: QuoteType::Direct,
                    cue: cue.clone(),
                    speaker: Some(speaker.clone()),
                });
                last = Some((self.quotes[p].close_end, speaker, cue));
            }
        }
    }

    /// A quote with no cue of its own that opens a sentence continues the speaker of the
    /// quote just before it in the same or the previous paragraph.
    pub(super) fn continuation(
        &self,
        q: usize,
        last: &Option<(usize, Speaker, Option<Range<usize>>)>,
    ) -> Option<(Speaker, Option<Range<usize>>)> {
        let (end, speaker, cue) = last.as_ref()?;
        let quote = &self.quotes[q];
        let s = self.sentence_range(self.sentence_index(quote.open));
        if s.start != quote.open {
            return None;
        }
        let between = self.text.get(*end..quote.open)?;
        if between.contains('\n') {
            let paragraphs = between.split('\n').filter(|l| !l.trim().is_empty()).count();
            if paragraphs > 1 {
                return None;
            }
        }
        if between.len() > 400 {
            return None;
        }
        Some((speaker.clone(), cue.clone()))
    }

    /// The speaker and cue of quote `q` from the patterns around it.
    pub(super) fn attribute(&self, q: usize) -> Option<(Speaker, Option<Range<usize>>)> {
        let quote = &self.quotes[q];
        let sentence = self.sentence_range(self.sentence_index(quote.open));
        // After: `“…,” X said` / `“…,” said X`.
        if !quote.continues {
            let i = self.word_at_or_after(quote.close_end);
            let ceiling = self
                .sentence_range(
                    self.sentence_index(quote.close_end.min(self.text.len().saturating_sub(1))),
                )
                .end
                .max(quote.close_end);
            let inner_end = self.text[quote.inner.clone()].trim_end();
            let ends_sentence = inner_end.ends_with('.');
            if i < self.words.len() && self.only_spaces(quote.close_end, self.words[i].start) {
                if self.cue(i).is_some_and(|c| !c.participle)
                    && let Some(np) = self
                        .np_right(i + 1, ceiling)
                        .or_else(|| self.loose_np_after(i + 1, ceiling))
                    && self.only_spaces(self.words[i].end, self.words[i + 1].start)
                {
                    let cue = self.words[i].start..self.words[i].end;
                    return Some((self.speaker(&np), Some(cue)));
                }
                let comma_quote = inner_end.ends_with([',', '?', '!', '—', '-']);
                let loose = || {
                    comma_quote
                        .then(|| self.loose_np_before_cue(i, ceiling))
                        .flatten()
                };
                if let Some(np) = self.np_right(i, ceiling).or_else(loose) {
                    let mut k = self.word_at_or_after(np.range.end);
                    let rest = &self.text[np.range.end..];
                    // An apposition: "Peskov, the Kremlin spokesman, said".
                    if let Some(apposition) = rest.strip_prefix(", ")
                        && let Some(p) = apposition.find(',').filter(|&p| p < 120)
                    {
                        k = self.word_at_or_after(np.range.end + 2 + p);
                    }
                    while k < self.words.len() && self.words[k].between {
                        k += 1;
                    }
                    if k < self.words.len()
                        && self.words[k].quote.is_none()
                        && let Some(c) = self.cue(k)
                        && !c.participle
                    {
                        let after = &self.text[self.words[k].end..];
                        let ok = !ends_sentence
                            || after.starts_with(['.', ',', ';'])
                            || after.is_empty();
                        if ok {
                            let cue = self.words[k].start..self.words[k].end;
                            return Some((self.speaker(&np), Some(cue)));
                        }
                    }
                }
            }
        }
        // Before, in the same sentence: `X said: “…”`, `X stressed it was “…”`,
        // `…, calling it “…”`, `according to X, “…”`.
        let from = self.word_at_or_after(sentence.start);
        let to = self.word_at_or_after(quote.open);
        for k in (from..to).rev() {
            if self.words[k].quote.is_some() {
                continue;
            }
            if self.cue(k).is_some() {
                let cue = self.words[k].start..self.words[k].end;
                let at_start = self.words[k].start == sentence.start
                    && self.cue(k).is_some_and(|c| !c.participle);
                let np = if at_start {
                    // Inverted: "Said Dorothy Poynter, …: “…”".
                    self.np_right(k + 1, quote.open)
                        .or_else(|| self.loose_np_after(k + 1, quote.open))
                } else {
                    self.cue_subject(k)
                };
                let np = np?;
                return Some((self.speaker(&np), Some(cue)));
            }
            if let Some(np) = self.according_to(k, quote.open) {
                return Some((self.speaker(&np), None));
            }
        }
        // "Mr. Smith shot back: “…”": a colon before the quote introduces it.
        if self.text[sentence.start..quote.open]
            .trim_end()
            .ends_with(':')
            && let Some(np) = self.subjects[self.sentence_index(quote.open)].clone()
            && np.range.end <= quote.open
        {
            return Some((self.speaker(&np), None));
        }
        // A paragraph ending in `X said:` introduces the next one.
        if sentence.start == quote.open || self.text[sentence.start..quote.open].trim().is_empty() {
            let before = self.text[..sentence.start].trim_end();
            if before.ends_with(':') {
                let colon = before.len() - 1;
                let k = self.word_at_or_after(colon).checked_sub(1)?;
                if self.cue(k).is_some() {
                    let np = self.cue_subject(k)?;
                    let cue = self.words[k].start..self.words[k].end;
                    return Some((self.speaker(&np), Some(cue)));
                }
            }
        }
        None
    }

    /// "a spokesman for committee Democrats said": up to eight words from `i` that a
    /// finite cue verb follows, taken as a description when no better phrase is found.
    pub(super) fn loose_np_before_cue(&self, i: usize, ceiling: usize) -> Option<Np> {
        let mut buf = [0u8; 32];
        let first = self.lower(i, &mut buf).unwrap_or("");
        if self.lex.function_words.contains(first)
            && !matches!(
                first,
                "a" | "an"
                    | "the"
                    | "one"
                    | "another"
                    | "his"
                    | "her"
                    | "their"
                    | "its"
                    | "some"
                    | "many"
                    | "two"
                    | "three"
            )
        {
            return None;
        }
        let mut k = i;
        while k < self.words.len() && k < i + 8 && self.words[k].end <= ceiling {
            if k > i && !self.only_spaces(self.words[k - 1].end, self.words[k].start) {
                return None;
            }
            if self.words[k].quote.is_some() {
                return None;
            }
            if k > i && self.cue(k).is_some_and(|c| !c.participle) && !self.after_to(k) {
                return Some(Np {
                    kind: NpKind::Description,
                    range: self.words[i].start..self.words[k - 1].end,
                    core: self.words[k - 1].start..self.words[k - 1].end,
                });
            }
            k += 1;
        }
        None
    }

    /// "said one longtime adviser to Bill Clinton.": the words after an inverted cue up
    /// to the next punctuation, at most eight.
    pub(super) fn loose_np_after(&self, i: usize, ceiling: usize) -> Option<Np> {
        let mut k = i;
        while k < self.words.len() && k < i + 8 && self.words[k].end <= ceiling {
            if self.words[k].quote.is_some()
                || (k > i && !self.only_spaces(self.words[k - 1].end, self.words[k].start))
            {
                break;
            }
            k += 1;
        }
        (k > i).then(|| Np {
            kind: NpKind::Description,
            range: self.words[i].start..self.words[k - 1].end,
            core: self.words[k - 1].start..self.words[k - 1].end,
        })
    }

    /// `according to X` at word `k`: the phrase X.
    pub(super) fn according_to(&self, k: usize, ceiling: usize) -> Option<Np> {
        let mut buf = [0u8; 32];
        if self.lower(k, &mut buf) != Some("according") {
            return None;
        }
        let mut b = [0u8; 32];
        if k + 1 >= self.words.len() || self.lower(k + 1, &mut b) != Some("to") {
            return None;
        }
        self.np_right(k + 2, ceiling)
    }
}
