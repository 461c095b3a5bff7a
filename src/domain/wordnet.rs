//! The second tier of synonyms: groups of a general Dutch wordnet (`data/wordnet-nl.txt`,
//! derived from the Open Dutch WordNet), for the words the curated thesaurus lacks.
//!
//! Loaded once, on the first comparison that needs it, into two sorted key tables (word
//! form → groups, long Snowball stem → groups) packed in single buffers: a few hundred
//! kilobytes rather than a hash map of owned strings.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::text::fold;

/// Shortest stem by which a word matches a wordnet word (as in the curated thesaurus:
/// shorter stems collide).
const MIN_STEM_MATCH: usize = 6;

/// Sorted keys in one buffer, each with a run of group numbers.
struct Table {
    text: String,
    /// Per key, where it starts in `text`; one more at the end.
    starts: Vec<u32>,
    /// Per key, where its groups start in `groups`; one more at the end.
    runs: Vec<u32>,
    groups: Vec<u32>,
}

impl Table {
    fn build(mut pairs: Vec<(String, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut table = Self {
            text: String::new(),
            starts: Vec::new(),
            runs: Vec::new(),
            groups: Vec::with_capacity(pairs.len()),
        };
        let mut last: Option<&str> = None;
        for (key, group) in &pairs {
            if last != Some(key.as_str()) {
                table.starts.push(offset(table.text.len()));
                table.runs.push(offset(table.groups.len()));
                table.text.push_str(key);
                last = Some(key);
            }
            table.groups.push(*group);
        }
        table.starts.push(offset(table.text.len()));
        table.runs.push(offset(table.groups.len()));
        table.text.shrink_to_fit();
        table.starts.shrink_to_fit();
        table.runs.shrink_to_fit();
        table.groups.shrink_to_fit();
        table
    }

    fn key(&self, index: usize) -> &str {
        &self.text[self.starts[index] as usize..self.starts[index + 1] as usize]
    }

    fn get(&self, key: &str) -> &[u32] {
        let keys = self.starts.len().saturating_sub(1);
        let (mut low, mut high) = (0, keys);
        while low < high {
            let middle = (low + high) / 2;
            match self.key(middle).cmp(key) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => {
                    return &self.groups
                        [self.runs[middle] as usize..self.runs[middle + 1] as usize];
                }
            }
        }
        &[]
    }

    fn bytes(&self) -> usize {
        self.text.capacity()
            + 4 * (self.starts.capacity() + self.runs.capacity())
            + 4 * self.groups.capacity()
    }
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// Synonym groups of a general wordnet: one group per line, words separated by spaces.
pub struct Wordnet {
    forms: Table,
    stems: Table,
    len: usize,
}

impl Wordnet {
    /// Reads groups, one per line; `#` starts a note. Words are matched folded, by their
    /// listed form, plural and inflected forms, or long Snowball stem.
    pub fn parse(text: &str) -> Self {
        let stemmer = Stemmer::create(Algorithm::Dutch);
        let (mut forms, mut stems) = (Vec::new(), Vec::new());
        let mut len = 0u32;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or_default();
            let words: Vec<String> = line.split_whitespace().map(fold).collect();
            if words.len() < 2 {
                continue;
            }
            for word in &words {
                forms.push((word.clone(), len));
                if !word.ends_with('s') {
                    forms.push((format!("{word}s"), len));
                }
                if word.ends_with('e') {
                    forms.push((format!("{word}n"), len));
                } else {
                    forms.push((format!("{word}en"), len));
                    forms.push((format!("{word}e"), len));
                }
                let stem = stemmer.stem(word);
                if stem.chars().count() >= MIN_STEM_MATCH {
                    stems.push((stem.into_owned(), len));
                }
            }
            len += 1;
        }
        Self {
            forms: Table::build(forms),
            stems: Table::build(stems),
            len: len as usize,
        }
    }

    /// The wordnet shipped with the service, read on first use.
    pub fn builtin() -> &'static Self {
        static BUILTIN: OnceLock<Wordnet> = OnceLock::new();
        // Experiment (issue 14, not kept): the groups file is named by H14_WORDNET; no data
        // file is bundled (see data/odwn-extract-*.py for how it was derived).
        BUILTIN.get_or_init(|| {
            let text = std::env::var("H14_WORDNET")
                .ok()
                .and_then(|path| std::fs::read_to_string(path).ok())
                .unwrap_or_default();
            Self::parse(&text)
        })
    }

    /// The groups of a word: of its form, else of its stem when that is long.
    pub fn groups(&self, word: &str, stem: &str) -> &[u32] {
        let found = self.forms.get(word);
        if !found.is_empty() || stem.chars().count() < MIN_STEM_MATCH {
            return found;
        }
        self.stems.get(stem)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held, for the memory budget.
    pub fn bytes(&self) -> usize {
        self.forms.bytes() + self.stems.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_by_form_and_long_stem() {
        let wordnet = Wordnet::parse("# note\nverkalking calcificatie\nspaarpot spaarvarken\n");
        assert_eq!(wordnet.groups("spaarpotten", "spaarpot"), &[1]);
        assert_eq!(wordnet.groups("spaarpots", "spaarpot"), &[1]);
        assert_eq!(wordnet.groups("verkalkingen", "verkalk"), &[0]);
        assert_eq!(wordnet.groups("anders", "ander"), &[] as &[u32]);
    }
}
#[cfg(test)]
mod size_probe {
    #[test]
    fn print_size() {
        for f in ["/tmp/odwn/g4.txt", "/tmp/odwn/s2.txt"] {
            let text = std::fs::read_to_string(f).unwrap_or_default(); // scratch files
            let w = super::Wordnet::parse(&text);
            println!("{f}: {} groups, {} bytes", w.len(), w.bytes());
        }
    }
}
