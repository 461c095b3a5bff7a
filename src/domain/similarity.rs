//! How alike two Dutch learning questions are, by meaning rather than by shared words.
//!
//! Each question becomes a set of weighted features:
//! - the Snowball stems of its content words (stop words, question words and light verbs
//!   dropped: `data/stopwords-nl.txt`);
//! - the parts of its compound words, split on words known from the corpus or the thesaurus
//!   ("buurtbewoners" → "buurt" + "bewoners");
//! - the synonym groups of the thesaurus its words belong to (`data/thesaurus-nl.txt`:
//!   "jeugd" and "tieners" both count as "jongeren");
//! - character 4-grams within each word, weakly ("eenzaamheid", "vereenzaming", "eenzame").
//!
//! Features are weighed by TF-IDF over the questions of the theme and the programme's texts,
//! and questions are compared by the cosine of their vectors, through an inverted index.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::text::fold;

/// Weight of a whole word's stem.
const WORD_WEIGHT: f32 = 1.0;
/// Weight of each part of a split compound word.
const PART_WEIGHT: f32 = 0.8;
/// Weight of a thesaurus group a word belongs to.
const SYNONYM_WEIGHT: f32 = 2.5;
/// Weight of all character n-grams of one word together.
const NGRAM_WEIGHT: f32 = 1.0;
const NGRAM: usize = 4;
/// Shortest word kept, and shortest part of a compound.
const MIN_WORD: usize = 3;
const MIN_PART: usize = 3;
/// Most parts one compound is split into.
const MAX_PARTS: usize = 6;

/// Dutch words that carry no topic.
pub struct StopWords(HashSet<String>);

impl StopWords {
    pub fn parse(text: &str) -> Self {
        Self(data_lines(text).map(str::to_owned).collect())
    }

    /// The list shipped with the service.
    pub fn builtin() -> &'static Self {
        static BUILTIN: OnceLock<StopWords> = OnceLock::new();
        BUILTIN.get_or_init(|| Self::parse(include_str!("../../data/stopwords-nl.txt")))
    }

    pub fn contains(&self, word: &str) -> bool {
        self.0.contains(word)
    }
}

/// Synonym groups: one per line, the first word names the group. A line may start with a
/// weight in brackets (`[0.3] wijk buurt …`): words every question of the field uses say
/// little about its need, and count for less, as words and as a group.
pub struct Thesaurus {
    names: Vec<String>,
    /// Per group, its weight.
    weights: Vec<f32>,
    /// Word form (folded, with its plural and inflected forms) → the groups it belongs to.
    groups_of: HashMap<String, Vec<u32>>,
    /// Snowball stem of a long listed word → its groups: other inflections of long words
    /// ("betrokkenheid", "participeert") match without being listed.
    groups_of_stem: HashMap<String, Vec<u32>>,
    /// Word form → the lowest weight of its groups, where below 1.
    word_weights: HashMap<String, f32>,
    /// Every listed word (folded), known to the compound splitter.
    words: HashSet<String>,
}

/// A line of a thesaurus that cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ThesaurusError {
    /// Line number, from 1.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ThesaurusError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ThesaurusError {}

/// Shortest stem by which a word matches a thesaurus word: shorter stems collide
/// ("ouders" and "ouderen" are both "ouder").
const MIN_STEM_MATCH: usize = 6;

/// Heaviest weight a thesaurus line may give.
const MAX_GROUP_WEIGHT: f32 = 4.0;

/// The forms a listed word also matches: Dutch plurals and inflections by suffix. Listed
/// forms are matched exactly otherwise, since stems collide ("ouders", "ouderen").
fn forms(word: &str) -> impl Iterator<Item = String> + '_ {
    let mut forms = vec![word.to_owned(), format!("{word}s"), format!("{word}en")];
    if word.ends_with('e') {
        forms.push(format!("{word}n"));
    } else {
        forms.push(format!("{word}e"));
    }
    forms.into_iter()
}

impl Thesaurus {
    fn empty() -> Self {
        Self {
            names: Vec::new(),
            weights: Vec::new(),
            groups_of: HashMap::new(),
            groups_of_stem: HashMap::new(),
            word_weights: HashMap::new(),
            words: HashSet::new(),
        }
    }

    /// Reads a thesaurus; a bad line is an error naming it.
    pub fn parse(text: &str) -> Result<Self, ThesaurusError> {
        let mut thesaurus = Self::empty();
        let stemmer = Stemmer::create(Algorithm::Dutch);
        for (number, line) in text.lines().enumerate() {
            let error = |message: String| ThesaurusError {
                line: number + 1,
                message,
            };
            let line = line.split('#').next().unwrap_or_default();
            let mut tokens = line.split_whitespace().peekable();
            let mut weight = 1.0;
            if let Some(first) = tokens.peek().filter(|t| t.starts_with('[')) {
                weight = first
                    .strip_prefix('[')
                    .and_then(|t| t.strip_suffix(']'))
                    .and_then(|t| t.parse::<f32>().ok())
                    .filter(|w| *w > 0.0 && *w <= MAX_GROUP_WEIGHT)
                    .ok_or_else(|| {
                        error(format!(
                            "{first:?} is not a weight: write one like [0.5], above 0 and at most {MAX_GROUP_WEIGHT}"
                        ))
                    })?;
                tokens.next();
            }
            let words: Vec<String> = tokens.map(fold).collect();
            if let Some(bad) = words.iter().find(|w| {
                !w.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '\'')
            }) {
                return Err(error(format!(
                    "{bad:?} is not a word: words are letters, digits, - and ', separated by spaces"
                )));
            }
            let Some(name) = words.first() else {
                if weight != 1.0 {
                    return Err(error("a weight without words".to_owned()));
                }
                continue;
            };
            let group = u32::try_from(thesaurus.names.len()).unwrap_or(u32::MAX);
            thesaurus.names.push(name.clone());
            thesaurus.weights.push(weight);
            for word in &words {
                for form in forms(word) {
                    let groups = thesaurus.groups_of.entry(form.clone()).or_default();
                    if !groups.contains(&group) {
                        groups.push(group);
                    }
                    if weight < 1.0 {
                        let lowest = thesaurus.word_weights.entry(form).or_insert(weight);
                        *lowest = lowest.min(weight);
                    }
                }
                let stem = stemmer.stem(word);
                if stem.chars().count() >= MIN_STEM_MATCH {
                    let groups = thesaurus
                        .groups_of_stem
                        .entry(stem.into_owned())
                        .or_default();
                    if !groups.contains(&group) {
                        groups.push(group);
                    }
                }
                thesaurus.words.insert(word.clone());
            }
        }
        Ok(thesaurus)
    }

    /// Reads a thesaurus file; an error names the file and, for a bad entry, its line.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the thesaurus {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("thesaurus {} {e}", path.display()))
    }

    /// Makes this the thesaurus of every comparison from now on (the server does this at
    /// start when `THESAURUS` names a file). Only the first call counts; it answers whether
    /// this one did.
    pub fn use_everywhere(self) -> bool {
        CONFIGURED.set(self).is_ok()
    }

    /// The thesaurus comparisons use: the configured one, or the built-in one.
    pub fn in_use() -> &'static Self {
        CONFIGURED.get().unwrap_or_else(|| Self::builtin())
    }

    /// The thesaurus shipped with the service (`data/thesaurus-nl.txt`).
    pub fn builtin() -> &'static Self {
        static BUILTIN: OnceLock<Thesaurus> = OnceLock::new();
        // A unit test checks that the shipped file parses.
        BUILTIN.get_or_init(|| Self::parse(BUILTIN_THESAURUS).unwrap_or_else(|_| Self::empty()))
    }

    /// The groups of a word: of its listed form, else of its stem when that is long.
    fn groups(&self, word: &str, stem: &str) -> &[u32] {
        self.groups_of
            .get(word)
            .or_else(|| {
                (stem.chars().count() >= MIN_STEM_MATCH)
                    .then(|| self.groups_of_stem.get(stem))
                    .flatten()
            })
            .map_or(&[], Vec::as_slice)
    }

    /// How much a word counts: below 1 for the field's everyday words.
    fn weight(&self, word: &str) -> f32 {
        self.word_weights.get(word).copied().unwrap_or(1.0)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

const BUILTIN_THESAURUS: &str = include_str!("../../data/thesaurus-nl.txt");

/// The thesaurus configured at start, if any.
static CONFIGURED: OnceLock<Thesaurus> = OnceLock::new();

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(str::split_whitespace)
}

/// The words of a text: folded, split on anything but letters and digits.
fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A feature as text: `w` word stem, `s` synonym group, `g` character n-gram.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Kind {
    Stem,
    Synonym,
    Gram,
}

/// Turns texts into weighted features, knowing the words of the whole corpus.
pub struct Analyzer<'a> {
    stemmer: Stemmer,
    stop_words: &'a StopWords,
    thesaurus: &'a Thesaurus,
    /// Words seen in the corpus or the thesaurus: the parts compounds are split into.
    vocabulary: &'a HashSet<String>,
    /// Words of a text outside the corpus, known too.
    extra: HashSet<String>,
}

/// The words of `texts` and of the thesaurus.
fn vocabulary<'t>(
    texts: impl IntoIterator<Item = &'t str>,
    thesaurus: &Thesaurus,
) -> HashSet<String> {
    let stemmer = Stemmer::create(Algorithm::Dutch);
    let mut vocabulary = thesaurus.words.clone();
    for text in texts {
        vocabulary.extend(
            words(text)
                .into_iter()
                .filter(|w| w.chars().count() >= MIN_PART),
        );
    }
    // A word's stem is a word too: "winkels" makes "winkel" in "winkelcentrum" known.
    let stems: Vec<String> = vocabulary
        .iter()
        .map(|w| stemmer.stem(w).into_owned())
        .filter(|s| s.chars().count() > MIN_PART)
        .collect();
    vocabulary.extend(stems);
    vocabulary
}

impl<'a> Analyzer<'a> {
    fn new(
        vocabulary: &'a HashSet<String>,
        stop_words: &'a StopWords,
        thesaurus: &'a Thesaurus,
    ) -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::Dutch),
            stop_words,
            thesaurus,
            vocabulary,
            extra: HashSet::new(),
        }
    }

    fn is_content(&self, word: &str) -> bool {
        word.chars().count() >= MIN_WORD && !self.stop_words.contains(word)
    }

    /// A word compounds may be split into: seen somewhere, and not a short function word
    /// ("aanpak" in "wijkaanpak" is a part, "wat" in "water" is not).
    fn known(&self, word: &str) -> bool {
        (self.vocabulary.contains(word) || self.extra.contains(word))
            && (word.chars().count() >= 5 || !self.stop_words.contains(word))
    }

    /// The modifier of a compound, as a known word: the linking s and e(n) of Dutch
    /// compounds are allowed ("vrijwilligerswerk", "kinderarmoede").
    fn known_modifier(&self, modifier: &str) -> Option<String> {
        [
            Some(modifier.to_owned()),
            modifier.strip_suffix('s').map(str::to_owned),
            Some(format!("{modifier}en")),
            Some(format!("{modifier}e")),
            modifier.strip_suffix('-').map(str::to_owned),
        ]
        .into_iter()
        .flatten()
        .find(|m| m.chars().count() >= MIN_PART && self.known(m))
    }

    /// A compound's modifier and head ("wijkaanpak" → "wijk", "aanpak"). Both known words,
    /// the longest head first ("buurtbewoners" is "buurt" + "bewoners"); failing that, the
    /// longest known modifier with a head of at least four letters ("schoolroute").
    fn split(&self, word: &str) -> Option<(String, String)> {
        let chars: Vec<char> = word.chars().collect();
        let cuts = MIN_PART..chars.len().saturating_sub(MIN_PART - 1);
        for at in cuts.clone() {
            let head: String = chars[at..].iter().collect();
            if chars.len() - at < MIN_PART + 1 || !self.known(&head) {
                continue;
            }
            let modifier: String = chars[..at].iter().collect();
            if let Some(modifier) = self.known_modifier(&modifier) {
                return Some((modifier, head));
            }
        }
        for at in cuts.rev() {
            if at < MIN_PART + 1 || chars.len() - at < MIN_PART + 1 {
                continue;
            }
            let modifier: String = chars[..at].iter().collect();
            if let Some(modifier) = self.known_modifier(&modifier) {
                return Some((modifier, chars[at..].iter().collect()));
            }
        }
        None
    }

    /// The parts of a compound, the parts of its parts included ("buurtwinkelcentrum" →
    /// "buurt", "winkelcentrum", "winkel", "centrum").
    fn parts(&self, word: &str, parts: &mut Vec<String>) {
        if parts.len() >= MAX_PARTS {
            return;
        }
        if let Some((modifier, head)) = self.split(word) {
            for part in [modifier, head] {
                if !parts.contains(&part) {
                    parts.push(part.clone());
                    self.parts(&part, parts);
                }
            }
        }
    }

    fn add_word(&self, word: &str, weight: f32, features: &mut Vec<(Kind, String, f32)>) {
        let stem = self.stemmer.stem(word).into_owned();
        for &group in self.thesaurus.groups(word, &stem) {
            let group_weight = self.thesaurus.weights[group as usize];
            features.push((
                Kind::Synonym,
                group.to_string(),
                SYNONYM_WEIGHT * group_weight * weight,
            ));
        }
        let weight = weight * self.thesaurus.weight(word);
        if self.stop_words.contains(word) {
            return;
        }
        features.push((Kind::Stem, stem, WORD_WEIGHT * weight));
    }

    /// The weighted features of one text (a feature may repeat: weights add up).
    fn features(&self, text: &str) -> Vec<(Kind, String, f32)> {
        let mut features = Vec::new();
        for word in words(text) {
            if self.is_content(&word) {
                features.extend(self.word_features(&word));
            }
        }
        features
    }

    /// The weighted features of one content word.
    fn word_features(&self, word: &str) -> Vec<(Kind, String, f32)> {
        let mut features = Vec::new();
        self.add_word(word, 1.0, &mut features);
        let mut parts = Vec::new();
        self.parts(word, &mut parts);
        for part in parts {
            self.add_word(&part, PART_WEIGHT, &mut features);
        }
        let letters: Vec<char> = word.chars().collect();
        if letters.len() >= NGRAM {
            let grams = letters.len() - NGRAM + 1;
            let weight = NGRAM_WEIGHT * self.thesaurus.weight(word) / (grams as f32).sqrt();
            for gram in letters.windows(NGRAM) {
                features.push((Kind::Gram, gram.iter().collect(), weight));
            }
        }
        features
    }
}

type Vector = Vec<(u32, f32)>;

/// Below this many questions per core, one thread is quicker than several.
const MIN_DOCUMENTS_PER_THREAD: usize = 500;

/// The questions of a theme as TF-IDF vectors, with an inverted index for fast comparison.
pub struct Corpus<'a> {
    stop_words: &'a StopWords,
    thesaurus: &'a Thesaurus,
    /// Feature → id.
    ids: HashMap<(Kind, String), u32>,
    /// Per feature: its kind, its text and its inverse document frequency.
    features: Vec<(Kind, String, f32)>,
    vectors: Vec<Vector>,
    /// Per feature: the documents having it, with their weight.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per feature: the most any document has of it (bounds what it can add to a score).
    max_weight: Vec<f32>,
    /// How many questions: the first rows of `vectors`; other wordings follow.
    questions: usize,
    /// Per row, the question it is a wording of.
    owner: Vec<u32>,
    /// Per question, the rows of its other wordings.
    wordings: Vec<Vec<u32>>,
    /// Stem → the most frequent word it comes from.
    surface: HashMap<String, String>,
    /// Known words, for splitting compounds of new texts.
    vocabulary: HashSet<String>,
}

/// What a corpus is built from.
#[derive(Default)]
pub struct Texts<'a> {
    /// The questions compared.
    pub questions: Vec<&'a str>,
    /// Texts that only count for how common a word is (the programme's texts).
    pub background: Vec<&'a str>,
    /// Known other wordings of a question (index into `questions`), such as the questions a
    /// moderator marked as its duplicates: a text like any wording of a question is like it.
    pub paraphrases: Vec<(usize, &'a str)>,
}

impl Corpus<'static> {
    /// With the built-in stop words and the thesaurus in use.
    pub fn new(texts: &Texts<'_>) -> Self {
        Self::with(texts, StopWords::builtin(), Thesaurus::in_use())
    }
}

impl<'a> Corpus<'a> {
    pub fn with(texts: &Texts<'_>, stop_words: &'a StopWords, thesaurus: &'a Thesaurus) -> Self {
        let all = texts
            .questions
            .iter()
            .chain(&texts.background)
            .chain(texts.paraphrases.iter().map(|(_, t)| t))
            .copied();
        let vocabulary = vocabulary(all, thesaurus);
        let analyzer = Analyzer::new(&vocabulary, stop_words, thesaurus);
        let mut ids: HashMap<(Kind, String), u32> = HashMap::new();
        let mut document_frequency: Vec<f32> = Vec::new();
        let mut intern = |kind: Kind, text: String| -> u32 {
            let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            *ids.entry((kind, text)).or_insert_with(|| {
                document_frequency.push(0.0);
                next
            })
        };
        // A theme repeats its words many times: each is analysed once.
        let mut analysed: HashMap<String, Vec<(u32, f32)>> = HashMap::new();
        let mut add_text = |text: &str, scale: f32, vector: &mut HashMap<u32, f32>| {
            for word in words(text) {
                if !analyzer.is_content(&word) {
                    continue;
                }
                let features = analysed.entry(word).or_insert_with_key(|word| {
                    analyzer
                        .word_features(word)
                        .into_iter()
                        .map(|(kind, feature, weight)| (intern(kind, feature), weight))
                        .collect()
                });
                for &(id, weight) in features.iter() {
                    *vector.entry(id).or_default() += weight * scale;
                }
            }
        };
        let mut raw: Vec<HashMap<u32, f32>> = Vec::with_capacity(texts.questions.len());
        for text in &texts.questions {
            let mut vector = HashMap::new();
            add_text(text, 1.0, &mut vector);
            raw.push(vector);
        }
        // Other wordings are rows of their own after the questions, owned by their question.
        let questions = raw.len();
        let mut owner: Vec<u32> = (0..questions)
            .map(|q| u32::try_from(q).unwrap_or(u32::MAX))
            .collect();
        let mut wordings: Vec<Vec<u32>> = vec![Vec::new(); questions];
        for &(question, text) in &texts.paraphrases {
            if question < questions {
                let mut vector = HashMap::new();
                add_text(text, 1.0, &mut vector);
                wordings[question].push(u32::try_from(raw.len()).unwrap_or(u32::MAX));
                owner.push(u32::try_from(question).unwrap_or(u32::MAX));
                raw.push(vector);
            }
        }
        let mut background_features: Vec<HashSet<u32>> = Vec::new();
        for text in &texts.background {
            let mut vector = HashMap::new();
            add_text(text, 1.0, &mut vector);
            background_features.push(vector.into_keys().collect());
        }
        for vector in &raw {
            for &id in vector.keys() {
                document_frequency[id as usize] += 1.0;
            }
        }
        for set in &background_features {
            for &id in set {
                document_frequency[id as usize] += 1.0;
            }
        }
        let documents = (raw.len() + background_features.len()).max(1) as f32;
        let idf: Vec<f32> = document_frequency
            .iter()
            .map(|df| (1.0 + documents / df.max(1.0)).ln())
            .collect();
        let mut features = vec![(Kind::Stem, String::new(), 0.0); ids.len()];
        for ((kind, text), id) in &ids {
            features[*id as usize] = (*kind, text.clone(), idf[*id as usize]);
        }
        let vectors: Vec<Vector> = raw
            .into_iter()
            .map(|vector| {
                let mut vector: Vector = vector
                    .into_iter()
                    .map(|(id, tf)| (id, tf * idf[id as usize]))
                    .collect();
                vector.sort_unstable_by_key(|(id, _)| *id);
                normalise(&mut vector);
                vector
            })
            .collect();
        let mut postings = vec![Vec::new(); ids.len()];
        let mut max_weight = vec![0.0f32; ids.len()];
        for (document, vector) in vectors.iter().enumerate() {
            for &(id, weight) in vector {
                postings[id as usize].push((u32::try_from(document).unwrap_or(u32::MAX), weight));
                max_weight[id as usize] = f32::max(max_weight[id as usize], weight);
            }
        }
        let mut word_counts: HashMap<String, usize> = HashMap::new();
        for text in &texts.questions {
            for word in words(text) {
                *word_counts.entry(word).or_default() += 1;
            }
        }
        let mut counts: HashMap<(String, String), usize> = HashMap::new();
        for (word, count) in word_counts {
            if analyzer.is_content(&word) {
                let stem = analyzer.stemmer.stem(&word).into_owned();
                *counts.entry((stem, word)).or_default() += count;
            }
        }
        let mut surface: HashMap<String, (String, usize)> = HashMap::new();
        for ((stem, word), count) in counts {
            let best = surface.entry(stem).or_insert((word.clone(), 0));
            if count > best.1 || (count == best.1 && word < best.0) {
                *best = (word, count);
            }
        }
        Self {
            stop_words,
            thesaurus,
            ids,
            features,
            vectors,
            postings,
            max_weight,
            questions,
            owner,
            wordings,
            surface: surface.into_iter().map(|(s, (w, _))| (s, w)).collect(),
            vocabulary,
        }
    }

    pub fn len(&self) -> usize {
        self.questions
    }

    pub fn is_empty(&self) -> bool {
        self.questions == 0
    }

    /// The rows of a question: its own wording first, then the others it is known by.
    fn rows(&self, question: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(question).chain(self.wordings[question].iter().map(|&r| r as usize))
    }

    /// Cosine similarity of questions `a` and `b`: of their most alike wordings.
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        self.rows(a)
            .flat_map(|x| self.rows(b).map(move |y| (x, y)))
            .map(|(x, y)| f64::from(dot(&self.vectors[x], &self.vectors[y])))
            .fold(0.0, f64::max)
    }

    /// The questions most like question `document` (itself excluded), best first, at least
    /// `threshold` alike, at most `limit`.
    pub fn neighbours(&self, document: usize, threshold: f64, limit: usize) -> Vec<(usize, f64)> {
        let mut ranked: Vec<(usize, f64)> = self
            .rows(document)
            .flat_map(|row| self.score(&self.vectors[row], threshold, limit + 1))
            .filter(|(other, _)| *other != document)
            .collect();
        if !self.wordings[document].is_empty() {
            ranked = best_per_question(ranked);
        }
        top(ranked, limit)
    }

    /// The questions most like a new `text`, best first, at least `threshold` alike.
    pub fn similar_to(&self, text: &str, threshold: f64, limit: usize) -> Vec<(usize, f64)> {
        let vector = self.vectorise(text);
        self.score(&vector, threshold, limit)
    }

    /// Like `similar_to`, with some questions brought closer by what people said about them
    /// (question → what to add to its similarity).
    pub fn similar_to_with(
        &self,
        text: &str,
        closer: &HashMap<usize, f64>,
        threshold: f64,
        limit: usize,
    ) -> Vec<(usize, f64)> {
        let vector = self.vectorise(text);
        let mut ranked: HashMap<usize, f64> =
            self.score(&vector, threshold, limit).into_iter().collect();
        for (&document, &bonus) in closer {
            if document < self.questions {
                let alike = self
                    .rows(document)
                    .map(|row| f64::from(dot(&vector, &self.vectors[row])))
                    .fold(0.0, f64::max);
                ranked.insert(document, alike + bonus);
            }
        }
        let ranked = ranked
            .into_iter()
            .filter(|(_, score)| *score >= threshold)
            .collect();
        top(ranked, limit)
    }

    /// A text outside the corpus as a vector of the corpus's features and weights.
    fn vectorise(&self, text: &str) -> Vector {
        let mut analyzer = Analyzer::new(&self.vocabulary, self.stop_words, self.thesaurus);
        analyzer.extra = words(text).into_iter().collect();
        let mut vector: HashMap<u32, f32> = HashMap::new();
        for (kind, feature, weight) in analyzer.features(text) {
            if let Some(&id) = self.ids.get(&(kind, feature)) {
                *vector.entry(id).or_default() += weight * self.features[id as usize].2;
            }
        }
        let mut vector: Vector = vector.into_iter().collect();
        vector.sort_unstable_by_key(|(id, _)| *id);
        normalise(&mut vector);
        vector
    }

    /// The questions at least `threshold` alike to `vector`, through the inverted index.
    /// The vector's rarest features are looked up first; once what its remaining features
    /// could add to any question (their weight times the most a question has of them) is
    /// under the threshold, a question none of the rare ones reached cannot qualify, so the
    /// long lists of common features (n-grams, everyday words) are never walked. The best
    /// `4 × limit` questions by the partial score are then scored exactly. A question known
    /// by several wordings scores as its most alike one.
    fn score(&self, vector: &Vector, threshold: f64, limit: usize) -> Vec<(usize, f64)> {
        let threshold32 = threshold as f32;
        let mut order: Vec<(u32, f32)> = vector.clone();
        order.sort_unstable_by_key(|(id, _)| self.postings[*id as usize].len());
        let bound = |&(id, weight): &(u32, f32)| weight * self.max_weight[id as usize];
        let mut remaining: f32 = order.iter().map(bound).sum();
        let mut partial = vec![0.0f32; self.vectors.len()];
        let mut touched = Vec::new();
        for feature in &order {
            if remaining < threshold32 {
                break;
            }
            remaining -= bound(feature);
            let (id, weight) = *feature;
            for &(document, other) in &self.postings[id as usize] {
                let score = &mut partial[document as usize];
                if *score == 0.0 {
                    touched.push(document as usize);
                }
                *score += weight * other;
            }
        }
        let reachable = threshold32 - remaining.max(0.0);
        touched.retain(|&document| partial[document] >= reachable);
        // Only the best by partial score are scored exactly.
        let keep = limit.saturating_mul(4).max(limit);
        if touched.len() > keep {
            touched.select_nth_unstable_by(keep, |a, b| partial[*b].total_cmp(&partial[*a]));
            touched.truncate(keep);
        }
        let mut ranked: Vec<(usize, f64)> = touched
            .into_iter()
            .map(|row| {
                let alike = f64::from(dot(vector, &self.vectors[row]));
                (self.owner[row] as usize, alike)
            })
            .filter(|(_, score)| *score >= threshold)
            .collect();
        if self.vectors.len() > self.questions {
            ranked = best_per_question(ranked);
        }
        top(ranked, limit)
    }

    /// For every question, its most similar others (at most `limit`, at least `threshold`):
    /// the sparse graph clustering works on. Exact: every pair of rows is scored once,
    /// through the inverted index (row `x` walks only the postings of rows after it), so
    /// the work is the sum over features of their postings' length squared, halved, with
    /// nothing scored twice and no vector compared whole. A question known by several
    /// wordings scores as its most alike one. Worked out on all cores, rows dealt out in
    /// turn (early rows walk longer lists).
    pub fn neighbour_graph(&self, threshold: f64, limit: usize) -> Vec<Vec<(usize, f64)>> {
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(self.len() / MIN_DOCUMENTS_PER_THREAD)
            .max(1);
        let parts: Vec<Nearest> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|part| scope.spawn(move || self.pairs_from(part, threads, threshold, limit)))
                .collect();
            workers
                .into_iter()
                // A panic in a worker is a bug; it surfaces as one here.
                .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        (0..self.questions)
            .map(|question| {
                let ranked: Vec<(usize, f64)> = parts
                    .iter()
                    .flat_map(|part| &part.lists[question])
                    .map(|&(other, score)| (other as usize, f64::from(score)))
                    .collect();
                top(best_per_question(ranked), limit)
            })
            .collect()
    }

    /// The nearest questions of every question, from the pairs of rows `x` (with
    /// `x % parts == part`) and the rows after it.
    fn pairs_from(&self, part: usize, parts: usize, threshold: f64, limit: usize) -> Nearest {
        let threshold = threshold as f32;
        let rows = self.vectors.len();
        let mut nearest = Nearest::new(self.questions, limit, rows > self.questions);
        let mut score = vec![0.0f32; rows];
        let mut touched: Vec<u32> = Vec::new();
        // Per feature, where its postings pass the current row: rows only go up.
        let mut cursor = vec![0usize; self.postings.len()];
        for x in (part..rows).step_by(parts) {
            for &(id, weight) in &self.vectors[x] {
                let postings = &self.postings[id as usize];
                let after = &mut cursor[id as usize];
                while postings
                    .get(*after)
                    .is_some_and(|&(row, _)| row as usize <= x)
                {
                    *after += 1;
                }
                for &(y, other) in &postings[*after..] {
                    let sum = &mut score[y as usize];
                    if *sum == 0.0 {
                        touched.push(y);
                    }
                    *sum += weight * other;
                }
            }
            let a = self.owner[x];
            for y in touched.drain(..) {
                let alike = std::mem::take(&mut score[y as usize]);
                let b = self.owner[y as usize];
                if alike >= threshold && a != b {
                    nearest.offer(a, b, alike);
                    nearest.offer(b, a, alike);
                }
            }
        }
        nearest
    }

    /// The few words that characterise a group of questions: the highest summed TF-IDF
    /// weights of their word and synonym-group features, as readable words.
    pub fn label(&self, members: &[usize], words: usize) -> Vec<String> {
        let mut weights: HashMap<u32, f32> = HashMap::new();
        for &member in members {
            for &(id, weight) in &self.vectors[member] {
                if self.features[id as usize].0 != Kind::Gram {
                    *weights.entry(id).or_default() += weight;
                }
            }
        }
        let mut ranked: Vec<(u32, f32)> = weights.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut label: Vec<String> = Vec::new();
        for (id, _) in ranked {
            let (kind, text, _) = &self.features[id as usize];
            let word = match kind {
                Kind::Stem => self.surface.get(text).cloned(),
                Kind::Synonym => text
                    .parse::<usize>()
                    .ok()
                    .and_then(|group| self.thesaurus.names.get(group).cloned()),
                Kind::Gram => None,
            };
            let Some(word) = word else { continue };
            // One word per stem: "jongeren" from the group and from the text are one.
            let stemmer = Stemmer::create(Algorithm::Dutch);
            let stem = stemmer.stem(&word).into_owned();
            if label
                .iter()
                .any(|w| stemmer.stem(w) == stem || w.contains(&stem) || word.contains(w.as_str()))
            {
                continue;
            }
            label.push(word);
            if label.len() == words {
                break;
            }
        }
        label
    }
}

/// Per question, the most alike others found so far (at most `limit` each, unordered), and
/// once a question has `limit` of them the score to beat: on a large theme most offers are
/// turned away by that alone, without touching the lists.
struct Nearest {
    limit: usize,
    /// Whether a pair can be offered twice (questions known by several wordings).
    repeats: bool,
    lists: Vec<Vec<(u32, f32)>>,
    floor: Vec<f32>,
}

impl Nearest {
    fn new(questions: usize, limit: usize, repeats: bool) -> Self {
        Self {
            limit,
            repeats,
            lists: vec![Vec::new(); questions],
            floor: vec![f32::NEG_INFINITY; questions],
        }
    }

    /// Keeps `other` among the most alike of `question` if it is (once, with its best score).
    fn offer(&mut self, question: u32, other: u32, score: f32) {
        let (question, limit) = (question as usize, self.limit);
        if score <= self.floor[question] || limit == 0 {
            return;
        }
        let list = &mut self.lists[question];
        if let Some(kept) = self
            .repeats
            .then(|| list.iter_mut().find(|(o, _)| *o == other))
            .flatten()
        {
            kept.1 = kept.1.max(score);
        } else if list.len() < limit {
            list.push((other, score));
        } else if let Some(weakest) = list.iter_mut().min_by(|a, b| a.1.total_cmp(&b.1)) {
            *weakest = (other, score);
        }
        if list.len() >= limit {
            self.floor[question] = list.iter().map(|(_, s)| *s).fold(f32::INFINITY, f32::min);
        }
    }
}

/// Each question once, with its best score.
fn best_per_question(ranked: Vec<(usize, f64)>) -> Vec<(usize, f64)> {
    let mut best: HashMap<usize, f64> = HashMap::new();
    for (question, score) in ranked {
        let kept = best.entry(question).or_insert(score);
        *kept = kept.max(score);
    }
    best.into_iter().collect()
}

fn top(mut ranked: Vec<(usize, f64)>, limit: usize) -> Vec<(usize, f64)> {
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(limit);
    ranked
}

fn normalise(vector: &mut Vector) {
    let length = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if length > 0.0 {
        for (_, weight) in vector.iter_mut() {
            *weight /= length;
        }
    }
}

/// Dot product of two vectors sorted by feature.
fn dot(a: &Vector, b: &Vector) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(questions: &[&str]) -> Corpus<'static> {
        Corpus::new(&Texts {
            questions: questions.to_vec(),
            ..Texts::default()
        })
    }

    #[test]
    fn compounds_split_on_known_words() {
        let known = vocabulary(
            ["buurt bewoners wijk aanpak vrijwilligers werk"],
            Thesaurus::builtin(),
        );
        let analyzer = Analyzer::new(&known, StopWords::builtin(), Thesaurus::builtin());
        assert_eq!(
            analyzer.split("buurtbewoners"),
            Some(("buurt".into(), "bewoners".into()))
        );
        assert_eq!(
            analyzer.split("vrijwilligerswerk"),
            Some(("vrijwilligers".into(), "werk".into()))
        );
        assert_eq!(analyzer.split("bewoners"), None);
    }

    #[test]
    fn synonyms_and_word_parts_bring_paraphrases_together() {
        let corpus = corpus(&[
            "Hoe betrekken we jongeren bij de wijkaanpak?",
            "Wat werkt om jeugd te laten meedenken over hun wijk?",
            "Welke tips zijn er om anderstalige buurtbewoners te betrekken?",
            "Wat kunnen buren doen tegen vereenzaming van oudere bewoners?",
            "Hoe gaan we eenzaamheid bij senioren tegen?",
            "Wat kunnen bewoners doen tegen criminaliteit in hun straat?",
        ]);
        assert!(corpus.similarity(0, 1) > corpus.similarity(0, 2));
        assert!(corpus.similarity(3, 4) > corpus.similarity(3, 5));
    }

    #[test]
    fn question_words_and_light_verbs_carry_no_weight() {
        let corpus = corpus(&[
            "Hoe houden we de wijkaanpak vol als de subsidie stopt?",
            "Hoe houden wijkteams het werk vol met zo'n hoge werkdruk?",
            "Wat doen we als de financiering van het programma afloopt?",
        ]);
        assert!(corpus.similarity(0, 2) > corpus.similarity(0, 1));
    }

    #[test]
    fn the_neighbour_graph_is_every_pair_compared_whole() {
        let questions = [
            "Hoe betrekken we jongeren bij de wijkaanpak?",
            "Wat werkt om jeugd te laten meedenken over hun wijk?",
            "Welke tips zijn er om anderstalige buurtbewoners te betrekken?",
            "Wat kunnen buren doen tegen vereenzaming van oudere bewoners?",
            "Hoe gaan we eenzaamheid bij senioren tegen?",
            "Wat kunnen bewoners doen tegen criminaliteit in hun straat?",
            "Hoe maken buren samen hun straat veiliger?",
        ];
        let texts = Texts {
            questions: questions.to_vec(),
            paraphrases: vec![(6, "Inbraken in de buurt voorkomen met buurtpreventie")],
            ..Texts::default()
        };
        let corpus = Corpus::new(&texts);
        let graph = corpus.neighbour_graph(0.05, 3);
        for (a, found) in graph.iter().enumerate() {
            let mut expected: Vec<(usize, f64)> = (0..questions.len())
                .filter(|&b| b != a)
                .map(|b| (b, corpus.similarity(a, b)))
                .filter(|(_, alike)| *alike >= 0.05)
                .collect();
            expected = top(expected, 3);
            let ids = |list: &[(usize, f64)]| list.iter().map(|(b, _)| *b).collect::<Vec<_>>();
            assert_eq!(ids(found), ids(&expected), "question {a}");
            for ((_, x), (_, y)) in found.iter().zip(&expected) {
                assert!((x - y).abs() < 1e-5, "question {a}: {x} and {y}");
            }
        }
    }

    #[test]
    fn the_shipped_thesaurus_reads() {
        assert!(Thesaurus::parse(BUILTIN_THESAURUS).is_ok());
        assert!(Thesaurus::builtin().len() > 30);
    }

    #[test]
    fn a_bad_thesaurus_line_is_named() {
        let error = Thesaurus::parse("jongeren jeugd\n\n[veel] wijk buurt\n")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("line 3: \"[veel]\" is not a weight: write one like [0.5], above 0 and at most 4")
        );
        let error = Thesaurus::parse("geld budget; subsidie").err();
        assert_eq!(error.map(|e| e.line), Some(1));
        let error = Thesaurus::parse("# notes\n[0.5]\n").err();
        assert_eq!(error.map(|e| e.line), Some(2));
    }

    #[test]
    fn a_thesaurus_of_ones_own_links_its_words() {
        let questions = [
            "Hoe pakken we leegstand in het winkelcentrum aan?",
            "Steeds meer panden staan te huur rond de supermarkt.",
            "Hoe herstellen we vertrouwen in de gemeente?",
        ];
        let texts = Texts {
            questions: questions.to_vec(),
            ..Texts::default()
        };
        let own =
            Thesaurus::parse("leegstand leeg te-huur panden").unwrap_or_else(|e| panic!("{e}"));
        let with_own = Corpus::with(&texts, StopWords::builtin(), &own);
        let builtin = Corpus::with(&texts, StopWords::builtin(), Thesaurus::builtin());
        assert!(with_own.similarity(0, 1) > builtin.similarity(0, 1));
    }

    #[test]
    fn thesaurus_words_match_their_forms_not_their_stems() {
        let corpus = corpus(&[
            "Hoe bereiken we eenzame oudere bewoners?",
            "Wat doen we tegen eenzaamheid bij senioren?",
            "Hoe betrekken we ouders bij de school?",
        ]);
        assert!(corpus.similarity(0, 1) > corpus.similarity(0, 2));
        assert!(
            corpus.similarity(1, 2) < 0.05,
            "{}",
            corpus.similarity(1, 2)
        );
    }

    #[test]
    fn a_new_text_finds_its_paraphrase() {
        let corpus = corpus(&[
            "Hoe gaan we eenzaamheid bij senioren tegen?",
            "Hoe zorgen we voor betaalbare woningen?",
        ]);
        let found = corpus.similar_to("Vereenzaming van bejaarden voorkomen", 0.1, 3);
        assert_eq!(found.first().map(|(i, _)| *i), Some(0));
    }
}
