//! Grouping learning questions by need: average-linkage agglomerative clustering over the
//! similarity of `super::similarity`. Two groups merge while the average similarity of
//! their members, pair by pair, reaches the threshold; pairs that were never close count
//! as 0, so a group cannot drift away through a chain of near neighbours.
//! Moderators' judgement comes first: questions they linked always share a group.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

pub use super::similarity::{Corpus, Texts};

/// Average similarity from which two groups are one need (tuned on the Dutch paraphrase
/// set in `tests/fixtures/similarity/`).
pub const DEFAULT_THRESHOLD: f64 = 0.3;
/// Similarity from which a question is offered as similar to another.
pub const SIMILAR_THRESHOLD: f64 = 0.1;
/// Neighbours kept per question for clustering: keeps the work linear in the theme's size.
const NEIGHBOURS: usize = 30;
/// Closeness below which a pair is treated as unrelated (0) by the clustering.
const EDGE_THRESHOLD: f64 = 0.12;

#[derive(PartialEq)]
struct Candidate {
    average: f64,
    a: usize,
    b: usize,
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.average
            .total_cmp(&other.average)
            // Ties: the earlier (more recognised) questions first, for a stable result.
            .then_with(|| other.a.cmp(&self.a))
            .then_with(|| other.b.cmp(&self.b))
    }
}

/// Groups being merged: their members and the summed similarities to neighbouring groups.
struct Groups {
    members: Vec<Vec<usize>>,
    links: Vec<HashMap<usize, f64>>,
    /// Where a merged-away group went.
    merged_into: Vec<usize>,
}

impl Groups {
    fn alive(&self, group: usize) -> bool {
        !self.members[group].is_empty()
    }

    /// The live group a question or former group is now part of.
    fn find(&self, mut group: usize) -> usize {
        while !self.alive(group) {
            group = self.merged_into[group];
        }
        group
    }

    fn average(&self, a: usize, b: usize, sum: f64) -> f64 {
        sum / (self.members[a].len() * self.members[b].len()) as f64
    }

    /// Merges two live groups; the one with more links absorbs the other. Returns it.
    fn merge(&mut self, a: usize, b: usize) -> usize {
        let (keep, gone) = if self.links[a].len() >= self.links[b].len() {
            (a, b)
        } else {
            (b, a)
        };
        self.merged_into[gone] = keep;
        let moved = std::mem::take(&mut self.members[gone]);
        self.members[keep].extend(moved);
        let gone_links = std::mem::take(&mut self.links[gone]);
        self.links[keep].remove(&gone);
        for (other, sum) in gone_links {
            if other == keep {
                continue;
            }
            *self.links[keep].entry(other).or_default() += sum;
            self.links[other].remove(&gone);
            *self.links[other].entry(keep).or_default() += sum;
        }
        keep
    }
}

/// Groups the questions of `corpus`. `linked` pairs (such as an original and the question a
/// moderator marked as its duplicate) always end in one group. Each group lists its members
/// in index order, so callers that order questions most recognised first get the
/// representative first.
pub fn clusters(corpus: &Corpus<'_>, threshold: f64, linked: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let n = corpus.len();
    let mut groups = Groups {
        members: (0..n).map(|i| vec![i]).collect(),
        links: vec![HashMap::new(); n],
        merged_into: (0..n).collect(),
    };
    for (a, neighbours) in corpus
        .neighbour_graph(EDGE_THRESHOLD, NEIGHBOURS)
        .into_iter()
        .enumerate()
    {
        for (b, similarity) in neighbours {
            // Symmetric, and counted once even when both kept the other.
            groups.links[a].insert(b, similarity);
            groups.links[b].insert(a, similarity);
        }
    }
    for &(a, b) in linked {
        if a >= n || b >= n {
            continue;
        }
        let (a, b) = (groups.find(a), groups.find(b));
        if a != b {
            groups.merge(a, b);
        }
    }
    let mut heap = BinaryHeap::new();
    for a in 0..n {
        for (&b, &sum) in &groups.links[a] {
            let average = groups.average(a, b, sum);
            // A pair under the threshold is looked at again when either group grows.
            if a < b && groups.alive(a) && average >= threshold {
                heap.push(Candidate { average, a, b });
            }
        }
    }
    while let Some(Candidate { average, a, b }) = heap.pop() {
        if average < threshold {
            break;
        }
        if !groups.alive(a) || !groups.alive(b) {
            continue;
        }
        // Stale when either group grew since this candidate was pushed.
        let Some(&sum) = groups.links[a].get(&b) else {
            continue;
        };
        if (groups.average(a, b, sum) - average).abs() > 1e-12 {
            continue;
        }
        let keep = groups.merge(a, b);
        for (&other, &sum) in &groups.links[keep] {
            let average = groups.average(keep, other, sum);
            if average >= threshold {
                heap.push(Candidate {
                    average,
                    a: keep.min(other),
                    b: keep.max(other),
                });
            }
        }
    }
    groups
        .members
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|mut m| {
            m.sort_unstable();
            m
        })
        .collect()
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
    fn paraphrases_share_a_group_and_other_needs_do_not() {
        let corpus = corpus(&[
            "Hoe gaan we eenzaamheid bij senioren in de wijk tegen?",
            "Wat kunnen buren doen tegen vereenzaming van oudere bewoners?",
            "Wat kunnen bewoners doen tegen criminaliteit in hun straat?",
            "Hoe maken buren samen hun straat veiliger?",
        ]);
        let groups = clusters(&corpus, DEFAULT_THRESHOLD, &[]);
        assert!(groups.contains(&vec![0, 1]), "{groups:?}");
        assert!(!groups.iter().any(|g| g.contains(&1) && g.contains(&2)));
    }

    #[test]
    fn linked_questions_always_share_a_group() {
        let corpus = corpus(&[
            "Energie besparen",
            "Hoe herstellen we vertrouwen?",
            "Iets anders",
        ]);
        let groups = clusters(&corpus, DEFAULT_THRESHOLD, &[(0, 1)]);
        assert!(groups.contains(&vec![0, 1]), "{groups:?}");
        assert!(groups.contains(&vec![2]));
    }
}
