//! How well similarity finds paraphrases: a set of questions labelled by learning need is
//! clustered and ranked the way the service does it, and scored against the labels
//! (pairwise cluster precision, recall and F1; precision@3 of suggestions). The suite
//! measures its fixtures with it, and `buurtgraph thesaurus check` a set of an event's own,
//! so that staff can see what an edit of the thesaurus changes.

use serde::Deserialize;

use super::cluster::{DEFAULT_THRESHOLD, Evidence, SIMILAR_THRESHOLD, clusters};
use super::similarity::{Corpus, StopWords, Texts, Thesaurus};

/// Questions of one learning need, in different words.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub need: String,
    pub questions: Vec<String>,
}

/// Questions grouped by need, and questions that belong to no need of the set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParaphraseSet {
    /// What the set is, for people reading the file.
    #[serde(default)]
    pub description: Option<String>,
    pub groups: Vec<Need>,
    #[serde(default)]
    pub singletons: Vec<String>,
}

impl ParaphraseSet {
    /// Reads a set from JSON; an error gives the place in the text and the reason.
    pub fn parse(json: &str) -> Result<Self, String> {
        let set: Self = serde_json::from_str(json).map_err(|e| e.to_string())?;
        set.check()?;
        Ok(set)
    }

    /// Reads a set file; an error names the file.
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let json = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the paraphrase set {}: {e}", path.display()))?;
        Self::parse(&json).map_err(|e| format!("paraphrase set {}: {e}", path.display()))
    }

    /// A set a score can be given for: every need with two questions or more, no empty
    /// question.
    fn check(&self) -> Result<(), String> {
        if self.groups.is_empty() {
            return Err("groups: no need to measure".into());
        }
        for (index, group) in self.groups.iter().enumerate() {
            if group.questions.len() < 2 {
                return Err(format!(
                    "groups[{index}] ({}): questions: a need needs two questions or more",
                    group.need
                ));
            }
            if let Some(at) = group.questions.iter().position(|q| q.trim().is_empty()) {
                return Err(format!("groups[{index}].questions[{at}]: empty question"));
            }
        }
        if let Some(at) = self.singletons.iter().position(|q| q.trim().is_empty()) {
            return Err(format!("singletons[{at}]: empty question"));
        }
        Ok(())
    }

    /// Every question, and the group of each (singletons each a group of their own).
    pub fn labelled(&self) -> (Vec<&str>, Vec<usize>) {
        let mut texts = Vec::new();
        let mut group_of = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            for q in &group.questions {
                texts.push(q.as_str());
                group_of.push(g);
            }
        }
        for (s, q) in self.singletons.iter().enumerate() {
            texts.push(q.as_str());
            group_of.push(self.groups.len() + s);
        }
        (texts, group_of)
    }

    /// How many questions belong to a need.
    pub fn grouped(&self) -> usize {
        self.groups.iter().map(|g| g.questions.len()).sum()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Of the top three suggestions for each grouped question, the share that are its
    /// paraphrases (a missing suggestion counts as a miss).
    pub precision_at_3: f64,
}

impl std::fmt::Display for Scores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "clusters P {:.2} R {:.2} F1 {:.2}; similar P@3 {:.2}",
            self.precision, self.recall, self.f1, self.precision_at_3
        )
    }
}

/// Pairwise precision and recall of a clustering against the known groups.
fn pairwise(clusters: &[Vec<usize>], group_of: &[usize]) -> (f64, f64) {
    let mut cluster_of: Vec<usize> = (0..group_of.len()).map(|i| usize::MAX - i).collect();
    for (c, members) in clusters.iter().enumerate() {
        for &m in members {
            cluster_of[m] = c;
        }
    }
    let (mut true_positive, mut predicted, mut actual) = (0.0, 0.0, 0.0);
    for a in 0..group_of.len() {
        for b in a + 1..group_of.len() {
            let same_cluster = cluster_of[a] == cluster_of[b];
            let same_group = group_of[a] == group_of[b];
            predicted += f64::from(u8::from(same_cluster));
            actual += f64::from(u8::from(same_group));
            true_positive += f64::from(u8::from(same_cluster && same_group));
        }
    }
    let precision = if predicted > 0.0 {
        true_positive / predicted
    } else {
        1.0
    };
    let recall = if actual > 0.0 {
        true_positive / actual
    } else {
        1.0
    };
    (precision, recall)
}

/// Scores a method: `cluster` groups all texts; `rank` gives, for text `i`, the indices of
/// the other texts it suggests, best first.
fn evaluate(
    set: &ParaphraseSet,
    cluster: impl Fn(&[&str]) -> Vec<Vec<usize>>,
    rank: impl Fn(&[&str], usize) -> Vec<usize>,
) -> Scores {
    let (texts, group_of) = set.labelled();
    let clusters = cluster(&texts);
    let (precision, recall) = pairwise(&clusters, &group_of);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let grouped = set.grouped();
    let mut hits = 0usize;
    for i in 0..grouped {
        hits += rank(&texts, i)
            .into_iter()
            .filter(|&j| j != i)
            .take(3)
            .filter(|&j| group_of[j] == group_of[i])
            .count();
    }
    Scores {
        precision,
        recall,
        f1,
        precision_at_3: hits as f64 / (3 * grouped.max(1)) as f64,
    }
}

/// A corpus of just these questions.
fn corpus_of<'a>(
    questions: Vec<&str>,
    stop_words: &'a StopWords,
    thesaurus: &'a Thesaurus,
) -> Corpus<'a> {
    let texts = Texts {
        questions,
        ..Texts::default()
    };
    Corpus::with(&texts, stop_words, thesaurus)
}

/// The service's method, measured the way it is used: all questions of a theme clustered;
/// for each question, the others ranked as `similarQuestions` ranks them (leave one out).
pub fn measure(set: &ParaphraseSet, stop_words: &StopWords, thesaurus: &Thesaurus) -> Scores {
    evaluate(
        set,
        |texts| {
            let corpus = corpus_of(texts.to_vec(), stop_words, thesaurus);
            clusters(&corpus, DEFAULT_THRESHOLD, &Evidence::default())
        },
        |texts, i| {
            let others: Vec<usize> = (0..texts.len()).filter(|&j| j != i).collect();
            let questions = others.iter().map(|&j| texts[j]).collect();
            let corpus = corpus_of(questions, stop_words, thesaurus);
            corpus
                .similar_to(texts[i], SIMILAR_THRESHOLD, 3)
                .into_iter()
                .map(|(k, _)| others[k])
                .collect()
        },
    )
}

/// A question that no other question of its need is similar enough to be suggested for:
/// its need's words are missing from the thesaurus (or it tells a situation without them).
#[derive(Debug)]
pub struct Unlinked<'s> {
    pub need: &'s str,
    pub question: &'s str,
    /// Its similarity to the most alike question of its need.
    pub best: f64,
}

/// The questions of `set` that none of their need's other questions is similar to, need by
/// need in the order of the set.
pub fn unlinked<'s>(
    set: &'s ParaphraseSet,
    stop_words: &StopWords,
    thesaurus: &Thesaurus,
) -> Vec<Unlinked<'s>> {
    let (texts, group_of) = set.labelled();
    let corpus = corpus_of(texts.clone(), stop_words, thesaurus);
    let mut found = Vec::new();
    for (a, &group) in group_of.iter().enumerate().take(set.grouped()) {
        let best = (0..set.grouped())
            .filter(|&b| b != a && group_of[b] == group)
            .map(|b| corpus.similarity(a, b))
            .fold(0.0, f64::max);
        if best < SIMILAR_THRESHOLD {
            found.push(Unlinked {
                need: &set.groups[group].need,
                question: texts[a],
                best,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(json: &str) -> String {
        ParaphraseSet::parse(json).err().unwrap_or_default()
    }

    fn set(json: &str) -> ParaphraseSet {
        ParaphraseSet::parse(json).unwrap_or_else(|e| panic!("{e}"))
    }

    fn thesaurus(text: &str) -> Thesaurus {
        Thesaurus::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_set_names_what_is_wrong_with_it() {
        let missing = error_of(r#"{"groups": [{"need": "eenzaamheid"}]}"#);
        assert!(missing.contains("missing field `questions`"), "{missing}");
        assert!(missing.contains("line 1"), "{missing}");
        let alone = error_of(r#"{"groups": [{"need": "eenzaamheid", "questions": ["Hoe?"]}]}"#);
        assert!(
            alone.starts_with("groups[0] (eenzaamheid): questions"),
            "{alone}"
        );
        let typo = error_of(r#"{"groups": [], "singleton": []}"#);
        assert!(typo.contains("unknown field `singleton`"), "{typo}");
        let empty = error_of(r#"{"groups": [{"need": "x", "questions": ["Hoe?", " "]}]}"#);
        assert_eq!(empty, "groups[0].questions[1]: empty question");
    }

    #[test]
    fn perfect_and_wrong_clusterings_score_as_they_should() {
        // Groups 0 0 1 1 and one singleton (2).
        let group_of = [0, 0, 1, 1, 2];
        assert_eq!(
            pairwise(&[vec![0, 1], vec![2, 3], vec![4]], &group_of),
            (1.0, 1.0)
        );
        let (precision, recall) = pairwise(&[vec![0, 1, 2, 3, 4]], &group_of);
        assert!((precision - 0.2).abs() < 1e-9 && recall == 1.0);
        let (precision, recall) = pairwise(&[vec![0], vec![1], vec![2], vec![3]], &group_of);
        assert!(precision == 1.0 && recall == 0.0);
    }

    #[test]
    fn questions_without_a_word_of_their_need_are_listed() {
        let set = set(r#"{"groups": [
            {"need": "eenzaamheid", "questions": [
                "Hoe gaan we eenzaamheid bij senioren tegen?",
                "Wat helpt tegen vereenzaming van ouderen?",
                "Mijn buurvrouw krijgt nooit bezoek."]},
            {"need": "veiligheid", "questions": [
                "Hoe maken we de straat veiliger?",
                "Wat doen bewoners tegen criminaliteit?"]}
        ], "singletons": ["Hoe vergroenen we het plein?"]}"#);
        let without_visits =
            thesaurus("eenzaamheid vereenzaming\nveiligheid veiliger criminaliteit");
        let missed = unlinked(&set, StopWords::builtin(), &without_visits);
        assert_eq!(missed.len(), 1, "{missed:?}");
        assert_eq!(missed[0].need, "eenzaamheid");
        assert_eq!(missed[0].question, "Mijn buurvrouw krijgt nooit bezoek.");
        let with_visits =
            thesaurus("eenzaamheid vereenzaming bezoek\nveiligheid veiliger criminaliteit");
        assert!(unlinked(&set, StopWords::builtin(), &with_visits).is_empty());
    }
}
