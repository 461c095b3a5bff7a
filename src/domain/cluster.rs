//! Grouping similar Dutch learning questions: fold case and accents, drop stop words,
//! stem (Snowball Dutch), weigh terms by TF-IDF and compare by cosine similarity.
//! Clusters form around leaders: each question (most recognised first) joins the most
//! similar existing cluster when the similarity reaches the threshold, else starts one.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

use super::text::fold;

/// Similarity from which two questions count as the same question (tested on the Dutch
/// fixture in `tests/api/clusters.rs`).
pub const DEFAULT_THRESHOLD: f64 = 0.25;

const STOP_WORDS: &[&str] = &[
    "aan", "al", "alle", "als", "andere", "bij", "daar", "dan", "dat", "de", "deze", "die", "dit",
    "doen", "door", "een", "elkaar", "en", "er", "exact", "goed", "hebben", "heeft", "het", "hoe",
    "hun", "ik", "in", "is", "je", "jij", "kan", "kun", "kunnen", "maar", "meer", "met", "mijn",
    "moet", "moeten", "na", "naar", "niet", "nog", "of", "om", "ons", "onze", "ook", "op", "over",
    "te", "tot", "uit", "van", "veel", "voor", "waar", "wat", "we", "welke", "wie", "wij",
    "worden", "wordt", "ze", "zich", "zij", "zijn", "zo", "zonder", "zou", "echt", "manier",
    "manieren", "beter", "best", "goede", "krijgen", "maken", "gaan",
];

/// The stemmed content words of a text.
pub fn terms(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::Dutch);
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2 && !STOP_WORDS.contains(w))
        .map(|w| stemmer.stem(w).into_owned())
        .collect()
}

/// TF-IDF vectors of a set of texts, normalised to length 1.
pub struct Corpus {
    vectors: Vec<HashMap<String, f64>>,
}

impl Corpus {
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let documents: Vec<Vec<String>> = texts.into_iter().map(terms).collect();
        let mut document_frequency: HashMap<&str, f64> = HashMap::new();
        for document in &documents {
            let mut seen: Vec<&str> = document.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for term in seen {
                *document_frequency.entry(term).or_default() += 1.0;
            }
        }
        let n = documents.len().max(1) as f64;
        let vectors = documents
            .iter()
            .map(|document| {
                let mut vector: HashMap<String, f64> = HashMap::new();
                for term in document {
                    *vector.entry(term.clone()).or_default() += 1.0;
                }
                for (term, weight) in vector.iter_mut() {
                    let df = document_frequency
                        .get(term.as_str())
                        .copied()
                        .unwrap_or(1.0);
                    *weight *= (1.0 + n / df).ln();
                }
                normalise(&mut vector);
                vector
            })
            .collect();
        Self { vectors }
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Cosine similarity of documents `a` and `b`.
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        cosine(&self.vectors[a], &self.vectors[b])
    }

    /// Groups the documents; `order` lists them most important first (it decides the leaders).
    pub fn clusters(&self, order: &[usize], threshold: f64) -> Vec<Vec<usize>> {
        let mut clusters: Vec<(HashMap<String, f64>, Vec<usize>)> = Vec::new();
        for &document in order {
            let vector = &self.vectors[document];
            let best = clusters
                .iter()
                .enumerate()
                .map(|(i, (centroid, _))| (i, cosine(centroid, vector)))
                .filter(|(_, similarity)| *similarity >= threshold)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((i, _)) => {
                    let (centroid, members) = &mut clusters[i];
                    members.push(document);
                    for (term, weight) in vector {
                        *centroid.entry(term.clone()).or_default() += weight;
                    }
                    normalise(centroid);
                }
                None => clusters.push((vector.clone(), vec![document])),
            }
        }
        clusters.into_iter().map(|(_, members)| members).collect()
    }
}

/// Similarity of a new text to each document of `texts`, by the same weighting.
pub fn similar_to(text: &str, texts: &[&str]) -> Vec<f64> {
    let mut all: Vec<&str> = texts.to_vec();
    all.push(text);
    let corpus = Corpus::new(all);
    let last = corpus.len() - 1;
    (0..last).map(|i| corpus.similarity(i, last)).collect()
}

fn normalise(vector: &mut HashMap<String, f64>) {
    let length = vector.values().map(|w| w * w).sum::<f64>().sqrt();
    if length > 0.0 {
        for weight in vector.values_mut() {
            *weight /= length;
        }
    }
}

fn cosine(a: &HashMap<String, f64>, b: &HashMap<String, f64>) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .map(|(term, w)| w * large.get(term).copied().unwrap_or(0.0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stemming_and_stop_words_make_paraphrases_meet() {
        assert_eq!(
            terms("Hoe betrekken we de bewoners?"),
            terms("betrekken bewoner")
        );
        let corpus = Corpus::new([
            "Hoe betrekken we bewoners bij de wijk?",
            "Bewoners betrekken in de wijk",
            "Energie besparen",
        ]);
        assert!(corpus.similarity(0, 1) > 0.5);
        assert!(corpus.similarity(0, 2) < 0.1);
    }
}
