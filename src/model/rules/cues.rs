//! The lexicons: cue verbs and the word classes that speaker detection relies on.

use sha2::{Digest, Sha256};
// The lexicons are looked up once per word: a fast non-cryptographic hash pays.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

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

const CLAUSE_VERBS: &[&str] = &["suggest", "claim"];
const OBJECT_VERBS: &[&str] = &["warn", "assure", "remind", "inform"];
const THAT_VERBS: &[&str] = &[
    "add",
    "stress",
    "insist",
    "maintain",
    "signal",
    "acknowledge",
    "confirm",
    "note",
    "explain",
    "argue",
    "declare",
    "announce",
    "admit",
    "agree",
    "predict",
    "promise",
    "vow",
    "tweet",
    "post",
    "reply",
    "respond",
    "report",
    "allege",
    "contend",
    "assert",
    "recall",
    "reveal",
    "emphasize",
    "emphasise",
    "repeat",
    "complain",
    "observe",
    "concede",
    "boast",
    "testify",
    "state",
    "answer",
    "counter",
    "charge",
    "tell",
];
const QUOTE_ONLY_VERBS: &[&str] = &[
    "describe", "call", "continue", "ask", "quip", "joke", "shout", "yell", "scream", "whisper",
    "exclaim", "muse", "echo", "begin", "conclude", "chant", "recount", "caution",
];
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
const PERSON_NOUNS: &[&str] = &[
    "president",
    "adviser",
    "advisor",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "secretary",
    "director",
    "senator",
    "representative",
    "congressman",
    "congresswoman",
    "governor",
    "mayor",
    "minister",
    "chancellor",
    "chairman",
    "chairwoman",
    "chair",
    "leader",
    "envoy",
    "ambassador",
    "general",
    "judge",
    "justice",
    "host",
    "anchor",
    "pollster",
    "strategist",
    "aide",
    "official",
    "candidate",
    "nominee",
    "speaker",
    "manager",
    "chief",
    "commissioner",
    "attorney",
    "counsel",
    "pastor",
    "ceo",
    "founder",
    "analyst",
    "economist",
    "professor",
    "author",
    "correspondent",
    "editor",
    "deputy",
    "lawmaker",
    "activist",
    "executive",
    "commander",
    "officer",
    "head",
    "campaign",
    "administration",
    "government",
    "ministry",
    "kremlin",
    "businessman",
    "mogul",
    "billionaire",
    "woman",
    "man",
    "rival",
    "opponent",
    "challenger",
    "incumbent",
    "president-elect",
    "republican",
    "democrat",
    "prosecutor",
    "lawyer",
    "negotiator",
    "diplomat",
    "source",
    "officials",
    "sources",
    "aides",
    "advisers",
    "analysts",
    "experts",
    "critics",
    "supporters",
    "spokespeople",
    "lawmakers",
    "leaders",
    "organizers",
    "democrats",
    "republicans",
    "police",
    "authorities",
    "statement",
    "report",
    "committee",
    "department",
    "agency",
    "office",
    "party",
    "group",
    "organization",
    "company",
    "firm",
    "network",
    "newspaper",
    "poll",
    "survey",
    "study",
    "expert",
    "critic",
    "supporter",
    "voter",
    "voters",
    "residents",
    "resident",
    "witness",
    "witnesses",
];

/// Words that mark a title or role before a name: "Army Secretary Dan Driscoll".
const TITLE_WORDS: &[&str] = &[
    "president",
    "adviser",
    "advisor",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "secretary",
    "director",
    "senator",
    "sen",
    "rep",
    "representative",
    "governor",
    "gov",
    "mayor",
    "minister",
    "chancellor",
    "chairman",
    "chairwoman",
    "chair",
    "leader",
    "envoy",
    "ambassador",
    "general",
    "gen",
    "judge",
    "justice",
    "host",
    "anchor",
    "pollster",
    "strategist",
    "aide",
    "official",
    "candidate",
    "nominee",
    "speaker",
    "manager",
    "chief",
    "commissioner",
    "attorney",
    "counsel",
    "congressman",
    "congresswoman",
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "lt",
    "col",
    "sgt",
    "pastor",
    "rev",
    "reverend",
    "pope",
    "king",
    "queen",
    "prince",
    "princess",
    "ceo",
    "founder",
    "analyst",
    "economist",
    "professor",
    "author",
    "correspondent",
    "editor",
    "deputy",
    "vice",
    "lawmaker",
    "activist",
    "executive",
    "commander",
    "officer",
    "businessman",
    "mogul",
    "billionaire",
    "president-elect",
    "nominee",
    "sir",
    "dame",
    "lord",
    "lady",
    "gop",
    "democrat",
    "republican",
    "prosecutor",
    "lawyer",
    "negotiator",
    "diplomat",
    "premier",
    "director",
    "coordinator",
    "surrogate",
    "chairperson",
    "presidential",
];

const FEMALE: &[&str] = &[
    "hillary",
    "melania",
    "ivanka",
    "kellyanne",
    "nancy",
    "elizabeth",
    "sarah",
    "nikki",
    "huma",
    "michelle",
    "theresa",
    "angela",
    "marine",
    "jill",
    "donna",
    "debbie",
    "katrina",
    "hope",
    "tulsi",
    "carly",
    "megyn",
    "maria",
    "mary",
    "susan",
    "karen",
    "linda",
    "barbara",
    "jennifer",
    "jessica",
    "emily",
    "anna",
    "laura",
    "lisa",
    "amy",
    "rachel",
    "kate",
    "katie",
    "claire",
    "kamala",
    "ursula",
    "christine",
    "jane",
    "joan",
    "janet",
    "heather",
    "ruth",
    "ann",
    "anne",
    "patricia",
    "margaret",
    "catherine",
    "kathleen",
    "diane",
    "julie",
    "julia",
    "sandra",
    "ms",
    "mrs",
    "miss",
    "madam",
    "dame",
    "lady",
    "queen",
    "princess",
];
const MALE: &[&str] = &[
    "donald", "mike", "michael", "bernie", "barack", "joe", "john", "bill", "ted", "marco", "jeb",
    "ben", "chris", "paul", "rudy", "newt", "tim", "jim", "james", "robert", "david", "mark",
    "steve", "steven", "stephen", "vladimir", "dmitry", "yuri", "kirill", "jared", "reince",
    "sean", "corey", "roger", "eric", "mitch", "lindsey", "rand", "scott", "jeff", "george",
    "richard", "thomas", "peter", "charles", "william", "matt", "andrew", "mr", "sir", "lord",
    "king", "prince",
];

const PRONOUNS: &[&str] = &["he", "she", "they", "we", "i", "who"];

/// Function words: capitalized at a sentence start, they are never names.
const FUNCTION_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "but",
    "and",
    "or",
    "so",
    "yet",
    "if",
    "in",
    "on",
    "at",
    "after",
    "before",
    "as",
    "when",
    "while",
    "although",
    "though",
    "despite",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "its",
    "their",
    "our",
    "my",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "what",
    "which",
    "who",
    "why",
    "how",
    "where",
    "with",
    "without",
    "for",
    "from",
    "to",
    "of",
    "by",
    "about",
    "asked",
    "still",
    "however",
    "meanwhile",
    "also",
    "now",
    "then",
    "since",
    "because",
    "during",
    "under",
    "over",
    "only",
    "even",
    "just",
    "not",
    "no",
    "yes",
    "some",
    "many",
    "most",
    "all",
    "both",
    "each",
    "every",
    "any",
    "one",
    "two",
    "three",
    "more",
    "last",
    "next",
    "first",
    "another",
    "other",
    "such",
    "instead",
    "indeed",
    "later",
    "earlier",
    "today",
    "tonight",
    "yesterday",
    "tomorrow",
    "according",
    "among",
    "until",
    "once",
    "like",
    "unlike",
    "through",
    "is",
    "was",
    "are",
    "were",
    "be",
    "has",
    "have",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "may",
    "might",
    "must",
    "do",
    "does",
    "did",
    "let",
    "well",
    "oh",
    "please",
    "thank",
    "thanks",
    "mr",
    "mrs",
    "ms",
    "dr",
];

const CALENDAR: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "thanksgiving",
    "christmas",
    "easter",
];

/// Last words of capitalized runs that name places and bodies, not people.
const ORG_WORDS: &[&str] = &[
    "house",
    "states",
    "one",
    "force",
    "post",
    "times",
    "news",
    "party",
    "department",
    "committee",
    "union",
    "council",
    "court",
    "street",
    "journal",
    "press",
    "agency",
    "office",
    "congress",
    "senate",
    "kingdom",
    "nations",
    "ministry",
    "club",
    "university",
    "college",
    "institute",
    "center",
    "centre",
    "foundation",
    "fund",
    "bank",
    "group",
    "inc",
    "corp",
    "city",
    "county",
    "island",
    "islands",
    "republic",
    "federation",
    "army",
    "navy",
    "forces",
    "guard",
    "administration",
    "campaign",
    "democrats",
    "republicans",
    "square",
    "avenue",
    "network",
    "daily",
    "tower",
    "hall",
    "service",
    "bureau",
    "commission",
    "board",
    "association",
    "times",
    "company",
    "reuters",
    "politico",
    "breitbart",
    "cnn",
    "fox",
    "msnbc",
    "abc",
    "cbs",
    "nbc",
    "america",
    "russia",
    "ukraine",
    "china",
    "washington",
    "moscow",
    "kyiv",
    "europe",
    "york",
    "cnbc",
    "twitter",
    "facebook",
    "instagram",
    "google",
    "convention",
    "debate",
    "caucus",
    "caucuses",
    "primary",
    "primaries",
    "act",
    "bill",
    "law",
    "plan",
    "amendment",
    "clinton's",
    "school",
    "hospital",
    "airport",
    "station",
    "media",
    "magazine",
    "channel",
    "radio",
    "tv",
    "says",
    "said",
    "report",
    "poll",
    "times",
    "people",
    "east",
    "west",
    "north",
    "south",
];

const PREPOSITIONS: &[&str] = &[
    "in",
    "on",
    "at",
    "during",
    "to",
    "after",
    "before",
    "last",
    "this",
    "earlier",
    "later",
    "yesterday",
    "today",
    "tonight",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "privately",
    "publicly",
    "recently",
    "repeatedly",
    "previously",
    "again",
    "also",
    "then",
    "once",
    "via",
    "through",
    "from",
    "with",
    "over",
    "while",
];

/// Adverbs and auxiliaries that may sit between a subject and its cue verb.
const BETWEEN_SUBJECT_AND_VERB: &[&str] = &[
    "also",
    "later",
    "then",
    "previously",
    "again",
    "has",
    "had",
    "have",
    "was",
    "did",
    "would",
    "will",
    "had",
    "once",
    "often",
    "recently",
    "reportedly",
    "allegedly",
    "earlier",
    "first",
    "initially",
    "finally",
    "has",
    "herself",
    "himself",
    "themselves",
    "too",
    "just",
    "even",
    "still",
    "never",
    "always",
    "already",
    "frequently",
    "subsequently",
    "ultimately",
];

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
            (CLAUSE_VERBS, Complement::Clause),
            (OBJECT_VERBS, Complement::Object),
            (THAT_VERBS, Complement::That),
            (QUOTE_ONLY_VERBS, Complement::None),
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
        for w in TITLE_WORDS {
            words.entry(key(w)).or_default().title = true;
        }
        for w in BETWEEN_SUBJECT_AND_VERB {
            words.entry(key(w)).or_default().between = true;
        }
        for w in PERSON_NOUNS {
            words.entry(key(w)).or_default().person_noun = true;
        }
        for list in [FUNCTION_WORDS, CALENDAR, PRONOUNS] {
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
            person_nouns: set(PERSON_NOUNS),
            titles: set(TITLE_WORDS),
            female: set(FEMALE),
            male: set(MALE),
            pronouns: set(PRONOUNS),
            function_words: set(FUNCTION_WORDS),
            calendar: set(CALENDAR),
            org_words: set(ORG_WORDS),
            prepositions: set(PREPOSITIONS),
            between: set(BETWEEN_SUBJECT_AND_VERB),
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
            ("clause", CLAUSE_VERBS),
            ("object", OBJECT_VERBS),
            ("that", THAT_VERBS),
            ("quote_only", QUOTE_ONLY_VERBS),
            ("person_nouns", PERSON_NOUNS),
            ("titles", TITLE_WORDS),
            ("female", FEMALE),
            ("male", MALE),
            ("pronouns", PRONOUNS),
            ("function_words", FUNCTION_WORDS),
            ("calendar", CALENDAR),
            ("org_words", ORG_WORDS),
            ("prepositions", PREPOSITIONS),
            ("between", BETWEEN_SUBJECT_AND_VERB),
            ("irregular", &[]),
            ("abbreviations", super::ABBREVIATIONS),
            ("clause_breaks", super::CLAUSE_BREAKS),
        ];
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
pub fn ascii_lower<'b>(word: &str, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    let lower = ascii_lower_bytes(word, buf)?;
    std::str::from_utf8(lower).ok()
}

/// [`ascii_lower`] as bytes, for lookups that need no `str` (no UTF-8 check).
pub fn ascii_lower_bytes<'b>(word: &str, buf: &'b mut [u8; 32]) -> Option<&'b [u8]> {
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
