//! The lexicons: cue verbs and the word classes that speaker detection relies on.

use sha2::{Digest, Sha256};
// The lexicons are looked up once per word: a fast non-cryptographic hash pays.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::OnceLock;

/// A word list kept as data (`words/*.txt`: one word a line, `#` starts a comment),
/// read once.
pub(crate) struct Words {
    text: &'static str,
    words: OnceLock<Vec<&'static str>>,
}

impl Words {
    pub(crate) const fn new(text: &'static str) -> Words {
        Words {
            text,
            words: OnceLock::new(),
        }
    }

    /// The words in file order (the order the config hash reads them in).
    pub fn get(&self) -> &[&'static str] {
        self.words.get_or_init(|| {
            self.text
                .lines()
                .map(|line| line.split('#').next().unwrap_or("").trim())
                .filter(|word| !word.is_empty())
                .collect()
        })
    }
}

/// What may follow a cue verb as reported (indirect) speech.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Complement {
    /// The clause may follow directly: "said the leak…", "suggested passing…".
    Clause,
    /// An addressee, then the clause: "told reporters (that) …".
    Object,
    /// Only a `that`-clause: "stressed that …" (bare "stressed it was" is ambiguous).
    That,
    /// "accused X of Y": the content follows the verb.
    Accuse,
    /// Introduces direct quotes only: "described it as “…”", "calling it “…”".
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cue {
    /// An -ing form: its subject is the subject of the clause it hangs on.
    pub participle: bool,
    pub complement: Complement,
}

static CLAUSE_VERBS: Words = Words::new(include_str!("words/clause_verbs.txt"));
static OBJECT_VERBS: Words = Words::new(include_str!("words/object_verbs.txt"));
static THAT_VERBS: Words = Words::new(include_str!("words/that_verbs.txt"));
static QUOTE_ONLY_VERBS: Words = Words::new(include_str!("words/quote_only_verbs.txt"));
/// Irregular or doubled forms the regular rules below do not produce.
const IRREGULAR: &[(&str, Complement)] = &[
    ("say", Complement::Clause),
    ("says", Complement::Clause),
    ("said", Complement::Clause),
    ("saying", Complement::Clause),
    ("tell", Complement::Object),
    ("tells", Complement::Object),
    ("told", Complement::Object),
    ("telling", Complement::Object),
    ("write", Complement::That),
    ("writes", Complement::That),
    ("wrote", Complement::That),
    ("written", Complement::That),
    ("writing", Complement::That),
    ("accuse", Complement::Accuse),
    ("accuses", Complement::Accuse),
    ("accused", Complement::Accuse),
    ("accusing", Complement::Accuse),
    ("admitted", Complement::That),
    ("admitting", Complement::That),
    ("signalled", Complement::That),
    ("signalling", Complement::That),
    ("agreeing", Complement::That),
];

/// Description heads that name a person or a speaking body: "the president",
/// "the Kremlin adviser", "a campaign spokesman".
static PERSON_NOUNS: Words = Words::new(include_str!("words/person_nouns.txt"));

/// Words that mark a title or role before a name: "Army Secretary Dan Driscoll".
static TITLE_WORDS: Words = Words::new(include_str!("words/title_words.txt"));

static FEMALE: Words = Words::new(include_str!("words/female.txt"));
static MALE: Words = Words::new(include_str!("words/male.txt"));

static PRONOUNS: Words = Words::new(include_str!("words/pronouns.txt"));

/// Function words: capitalized at a sentence start, they are never names.
static FUNCTION_WORDS: Words = Words::new(include_str!("words/function_words.txt"));

static CALENDAR: Words = Words::new(include_str!("words/calendar.txt"));

/// Last words of capitalized runs that name places and bodies, not people.
static ORG_WORDS: Words = Words::new(include_str!("words/org_words.txt"));

static PREPOSITIONS: Words = Words::new(include_str!("words/prepositions.txt"));

/// Adverbs and auxiliaries that may sit between a subject and its cue verb.
static BETWEEN_SUBJECT_AND_VERB: Words =
    Words::new(include_str!("words/between_subject_and_verb.txt"));

/// What the lexicons say about one lowercase word, from a single lookup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WordInfo {
    pub cue: Option<Cue>,
    pub title: bool,
    pub between: bool,
    pub person_noun: bool,
    /// Never part of a name when capitalized: function words, dates, pronouns, cues.
    pub not_name: bool,
}

/// The lexicons of the rules model, looked up by lowercase word.
pub struct Lexicon {
    cues: HashMap<String, Cue>,
    /// Keyed by bytes: lowercased words are looked up without a UTF-8 check.
    words: HashMap<Box<[u8]>, WordInfo>,
    /// Most words of a text are in no list: this filter answers for most of them
    /// without hashing (see [`Filter`]).
    filter: Filter,
    pub person_nouns: HashSet<&'static str>,
    pub titles: HashSet<&'static str>,
    pub female: HashSet<&'static str>,
    pub male: HashSet<&'static str>,
    pub pronouns: HashSet<&'static str>,
    pub function_words: HashSet<&'static str>,
    pub calendar: HashSet<&'static str>,
    pub org_words: HashSet<&'static str>,
    pub prepositions: HashSet<&'static str>,
    pub between: HashSet<&'static str>,
}

/// The regular inflections of a verb: stress → stresses, stressed, stressing.
fn regular_forms(base: &str) -> Vec<String> {
    let mut forms = vec![base.to_string()];
    if let Some(stem) = base
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        forms.push(format!("{stem}ies"));
        forms.push(format!("{stem}ied"));
        forms.push(format!("{base}ing"));
    } else if base.ends_with("ee") {
        forms.push(format!("{base}s"));
        forms.push(format!("{base}d"));
        forms.push(format!("{base}ing"));
    } else if let Some(stem) = base.strip_suffix('e') {
        forms.push(format!("{base}s"));
        forms.push(format!("{base}d"));
        forms.push(format!("{stem}ing"));
    } else if base.ends_with(['s', 'x']) || base.ends_with("sh") || base.ends_with("ch") {
        forms.push(format!("{base}es"));
        forms.push(format!("{base}ed"));
        forms.push(format!("{base}ing"));
    } else {
        forms.push(format!("{base}s"));
        forms.push(format!("{base}ed"));
        forms.push(format!("{base}ing"));
    }
    forms
}

impl Lexicon {
    pub fn new() -> Lexicon {
        let mut cues = HashMap::default();
        let mut add = |form: String, complement: Complement| {
            let participle = form.ends_with("ing");
            cues.entry(form).or_insert(Cue {
                participle,
                complement,
            });
        };
        for &(form, complement) in IRREGULAR {
            add(form.to_string(), complement);
        }
        let classes: [(&[&str], Complement); 4] = [
            (CLAUSE_VERBS.get(), Complement::Clause),
            (OBJECT_VERBS.get(), Complement::Object),
            (THAT_VERBS.get(), Complement::That),
            (QUOTE_ONLY_VERBS.get(), Complement::None),
        ];
        for (verbs, complement) in classes {
            for verb in verbs {
                for form in regular_forms(verb) {
                    add(form, complement);
                }
            }
        }
        let set = |words: &[&'static str]| words.iter().copied().collect::<HashSet<_>>();
        let mut words: HashMap<Box<[u8]>, WordInfo> = HashMap::default();
        let key = |w: &str| Box::<[u8]>::from(w.as_bytes());
        for (form, cue) in &cues {
            let info = words.entry(key(form)).or_default();
            info.cue = Some(*cue);
            info.not_name = true;
        }
        for w in TITLE_WORDS.get() {
            words.entry(key(w)).or_default().title = true;
        }
        for w in BETWEEN_SUBJECT_AND_VERB.get() {
            words.entry(key(w)).or_default().between = true;
        }
        for w in PERSON_NOUNS.get() {
            words.entry(key(w)).or_default().person_noun = true;
        }
        for list in [FUNCTION_WORDS.get(), CALENDAR.get(), PRONOUNS.get()] {
            for w in list {
                words.entry(key(w)).or_default().not_name = true;
            }
        }
        let mut filter = Filter::default();
        for word in words.keys() {
            filter.insert(word);
        }
        Lexicon {
            words,
            filter,
            cues,
            person_nouns: set(PERSON_NOUNS.get()),
            titles: set(TITLE_WORDS.get()),
            female: set(FEMALE.get()),
            male: set(MALE.get()),
            pronouns: set(PRONOUNS.get()),
            function_words: set(FUNCTION_WORDS.get()),
            calendar: set(CALENDAR.get()),
            org_words: set(ORG_WORDS.get()),
            prepositions: set(PREPOSITIONS.get()),
            between: set(BETWEEN_SUBJECT_AND_VERB.get()),
        }
    }

    pub fn word(&self, lower: &str) -> WordInfo {
        self.word_bytes(lower.as_bytes())
    }

    /// [`Lexicon::word`] for a word given as bytes (as [`ascii_lower_bytes`] gives it).
    pub fn word_bytes(&self, lower: &[u8]) -> WordInfo {
        if !self.filter.may_contain(lower) {
            return WordInfo::default();
        }
        self.words.get(lower).copied().unwrap_or_default()
    }

    pub fn cue(&self, lower: &str) -> Option<Cue> {
        self.cues.get(lower).copied()
    }

    /// A short sha256 over every list, so a changed lexicon changes the model's identity.
    pub fn config_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let lists: [(&str, &[&str]); 17] = [
            ("clause", CLAUSE_VERBS.get()),
            ("object", OBJECT_VERBS.get()),
            ("that", THAT_VERBS.get()),
            ("quote_only", QUOTE_ONLY_VERBS.get()),
            ("person_nouns", PERSON_NOUNS.get()),
            ("titles", TITLE_WORDS.get()),
            ("female", FEMALE.get()),
            ("male", MALE.get()),
            ("pronouns", PRONOUNS.get()),
            ("function_words", FUNCTION_WORDS.get()),
            ("calendar", CALENDAR.get()),
            ("org_words", ORG_WORDS.get()),
            ("prepositions", PREPOSITIONS.get()),
            ("between", BETWEEN_SUBJECT_AND_VERB.get()),
            ("irregular", &[]),
            ("abbreviations", super::ABBREVIATIONS),
            ("clause_breaks", super::CLAUSE_BREAKS),
        ];
        let fiction = [
            ("speech_verbs", super::tags::speech_verbs()),
            ("news_words", super::genre::news_words()),
        ];
        let lists = lists
            .into_iter()
            .chain(fiction)
            .chain(super::cast::word_lists());
        for (name, words) in lists {
            hasher.update(name.as_bytes());
            for word in words {
                hasher.update(b"\0");
                hasher.update(word.as_bytes());
            }
            hasher.update(b"\n");
        }
        for (form, complement) in IRREGULAR {
            hasher.update(format!("{form}:{complement:?}\n").as_bytes());
        }
        let digest = hasher.finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon::new()
    }
}

/// A bit per (length, first byte, last byte) of every word in the lexicon, hashed into
/// 16 × 32 × 32 bits: a clear bit proves a word absent. About one in twenty-five bits is
/// set, so most words outside the lexicon cost three table reads instead of a hash.
struct Filter {
    bits: [u32; 16 * 32],
}

impl Default for Filter {
    fn default() -> Self {
        Filter { bits: [0; 16 * 32] }
    }
}

impl Filter {
    fn slot(word: &[u8]) -> Option<(usize, u32)> {
        let (&first, &last) = (word.first()?, word.last()?);
        let row = ((word.len() & 15) << 5) | (first as usize & 31);
        Some((row, 1 << (last & 31)))
    }

    fn insert(&mut self, word: &[u8]) {
        if let Some((row, bit)) = Filter::slot(word) {
            self.bits[row] |= bit;
        }
    }

    /// False only for words never inserted; the empty word never is.
    fn may_contain(&self, word: &[u8]) -> bool {
        Filter::slot(word).is_some_and(|(row, bit)| self.bits[row] & bit != 0)
    }
}

/// Lowercases an ASCII word into `buf` without allocating; `None` for other words
/// (no cue or function word in the lexicons is outside ASCII).
pub fn ascii_lower<'b, const N: usize>(word: &str, buf: &'b mut [u8; N]) -> Option<&'b str> {
    let lower = ascii_lower_bytes(word, buf)?;
    std::str::from_utf8(lower).ok()
}

/// [`ascii_lower`] as bytes, for lookups that need no `str` (no UTF-8 check).
pub fn ascii_lower_bytes<'b, const N: usize>(word: &str, buf: &'b mut [u8; N]) -> Option<&'b [u8]> {
    let bytes = word.as_bytes();
    if bytes.len() > buf.len() || !word.is_ascii() {
        return None;
    }
    let lower = &mut buf[..bytes.len()];
    lower.copy_from_slice(bytes);
    lower.make_ascii_lowercase();
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_forms_cover_the_issue_verbs() {
        let lex = Lexicon::new();
        for verb in [
            "said",
            "added",
            "told",
            "stressed",
            "wrote",
            "posted",
            "replied",
            "insisted",
            "described",
            "calling",
            "alleging",
            "acknowledged",
            "saying",
            "adding",
            "describing",
            "signaled",
            "confirmed",
            "maintained",
            "accused",
            "suggested",
            "insisting",
            "telling",
        ] {
            assert!(lex.cue(verb).is_some(), "{verb}");
        }
        assert!(lex.cue("saying").is_some_and(|c| c.participle));
        assert!(lex.cue("said").is_some_and(|c| !c.participle));
        assert_eq!(
            lex.cue("replied").map(|c| c.complement),
            Some(Complement::That)
        );
        assert_eq!(lex.cue("the"), None);
    }

    #[test]
    fn config_hash_is_stable_and_short() {
        let a = Lexicon::new().config_hash();
        assert_eq!(a, Lexicon::new().config_hash());
        assert_eq!(a.len(), 16);
    }
}
