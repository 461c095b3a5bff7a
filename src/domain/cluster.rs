//! Grouping learning questions by need: average-linkage agglomerative clustering over the
//! similarity of `super::similarity`. Two groups merge while the average similarity of
//! their members, pair by pair, reaches the threshold; pairs that were never close count
//! as 0, so a group cannot drift away through a chain of near neighbours. Once no two
//! groups are that alike, a question still alone joins the group it is closest to, at a
//! lower threshold.
//! People's judgement counts: questions a moderator linked always share a group, and pairs
//! that participants recognised together are closer the more often that happened.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes group numbers by one multiplication: the links of groups are looked up millions
/// of times on a large theme, and the keys are not chosen by anyone.
#[derive(Default)]
struct GroupHasher(u64);

impl Hasher for GroupHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Links = HashMap<usize, f64, BuildHasherDefault<GroupHasher>>;

pub use super::similarity::{Corpus, Texts};

/// Average similarity from which two groups are one need (tuned on the Dutch paraphrase
/// set in `tests/fixtures/similarity/`).
pub const DEFAULT_THRESHOLD: f64 = 0.3;
/// Similarity from which a question is offered as similar to another.
pub const SIMILAR_THRESHOLD: f64 = 0.1;
/// Neighbours kept per question for clustering: keeps the work linear in the theme's size.
const NEIGHBOURS: usize = 20;
/// Closeness below which a pair is treated as unrelated (0) by the clustering.
const EDGE_THRESHOLD: f64 = 0.12;
/// Average similarity from which a question left alone joins the group it is closest to
/// (tuned on the tuning set: clusters F1 0.65 → 0.68; see `Groups::attach_singletons`).
const ATTACH_THRESHOLD: f64 = 0.22;
/// What each participant who recognised both questions of a pair adds to their similarity…
const RECOGNITION_STEP: f64 = 0.08;
/// …counting at most this many: four together (+0.32) make even unlike wordings one group.
const RECOGNITION_CAP: u32 = 4;

/// What people said about pairs of questions (indices into the corpus).
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// Pairs a moderator linked: they always share a group.
    pub linked: Vec<(usize, usize)>,
    /// Pairs recognised together ("ik herken deze vraag" on both, or on the other's question
    /// by its author), with by how many participants.
    pub recognised: Vec<(usize, usize, u32)>,
}

/// How much closer `count` participants recognising both make two questions.
pub fn recognition_bonus(count: u32) -> f64 {
    RECOGNITION_STEP * f64::from(count.min(RECOGNITION_CAP))
}

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

impl Candidate {
    fn of(average: f64, a: usize, b: usize) -> Self {
        Self {
            average,
            a: a.min(b),
            b: a.max(b),
        }
    }
}

/// A group's most alike neighbour: the average similarity and the neighbour.
type Best = (f64, usize);

/// Groups being merged: their members and the summed similarities to neighbouring groups.
struct Groups {
    members: Vec<Vec<usize>>,
    links: Vec<Links>,
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

    /// Works out the most alike neighbour of a live group anew (ties: the lowest-numbered)
    /// and offers it as a candidate, if it reaches the threshold.
    fn refresh(
        &self,
        group: usize,
        threshold: f64,
        best: &mut [Option<Best>],
        heap: &mut BinaryHeap<Candidate>,
    ) {
        let found = self.links[group]
            .iter()
            .map(|(&other, &sum)| (self.average(group, other, sum), other))
            .filter(|(average, _)| *average >= threshold)
            .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)));
        best[group] = found;
        if let Some((average, other)) = found {
            heap.push(Candidate::of(average, group, other));
        }
    }

    /// A second pass once merging has stopped: each question still alone joins the group
    /// of two or more it is most alike on average, if that reaches `threshold` (below the
    /// merging threshold). A paraphrase in words of its own often stays alone while its
    /// need's group formed without it; attaching only to formed groups, never pairing two
    /// lone questions, keeps what is joined to needs already found. Closest first; linear in
    /// the links of the lone questions.
    fn attach_singletons(&mut self, threshold: f64) {
        let mut offers: Vec<(f64, usize, usize)> = Vec::new();
        for single in 0..self.members.len() {
            if self.members[single].len() != 1 {
                continue;
            }
            let closest = self.links[single]
                .iter()
                .filter(|(other, _)| self.members[**other].len() > 1)
                .map(|(&other, &sum)| (self.average(single, other, sum), other))
                .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)));
            if let Some((average, group)) = closest.filter(|(average, _)| *average >= threshold) {
                offers.push((average, single, group));
            }
        }
        offers.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        for (_, single, group) in offers {
            let (a, b) = (self.find(single), self.find(group));
            if a != b {
                self.merge(a, b);
            }
        }
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

/// Groups the questions of `corpus`. Linked pairs of the `evidence` always end in one group;
/// recognised pairs are closer by `recognition_bonus`. Each group lists its members in index
/// order.
pub fn clusters(corpus: &Corpus<'_>, threshold: f64, evidence: &Evidence) -> Vec<Vec<usize>> {
    let n = corpus.len();
    let mut groups = Groups {
        members: (0..n).map(|i| vec![i]).collect(),
        links: vec![Links::default(); n],
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
    for &(a, b, count) in &evidence.recognised {
        if a >= n || b >= n || a == b {
            continue;
        }
        // A pair too far apart for the graph still has its similarity.
        let base = groups.links[a]
            .get(&b)
            .copied()
            .unwrap_or_else(|| corpus.similarity(a, b));
        let closer = (base + recognition_bonus(count)).min(1.0);
        groups.links[a].insert(b, closer);
        groups.links[b].insert(a, closer);
    }
    for &(a, b) in &evidence.linked {
        if a >= n || b >= n {
            continue;
        }
        let (a, b) = (groups.find(a), groups.find(b));
        if a != b {
            groups.merge(a, b);
        }
    }
    // Each live group's most alike neighbour at or above the threshold. The heap holds a
    // group's best as a candidate; one no longer its group's best is skipped when popped.
    // After a merge only the merged group and its neighbours can have a new best, so the
    // heap stays about as large as the number of groups.
    let mut best: Vec<Option<Best>> = vec![None; n];
    let mut heap = BinaryHeap::new();
    for a in 0..n {
        if groups.alive(a) {
            groups.refresh(a, threshold, &mut best, &mut heap);
        }
    }
    while let Some(Candidate { average, a, b }) = heap.pop() {
        if average < threshold {
            break;
        }
        let current = |group: usize, partner: usize| {
            best[group]
                .is_some_and(|(alike, p)| p == partner && alike.to_bits() == average.to_bits())
        };
        if !groups.alive(a) || !groups.alive(b) || !(current(a, b) || current(b, a)) {
            continue;
        }
        let keep = groups.merge(a, b);
        let gone = if keep == a { b } else { a };
        best[gone] = None;
        groups.refresh(keep, threshold, &mut best, &mut heap);
        let neighbours: Vec<(usize, f64)> = groups.links[keep]
            .iter()
            .map(|(&other, &sum)| (other, groups.average(keep, other, sum)))
            .collect();
        for (other, average) in neighbours {
            match best[other] {
                Some((_, partner)) if partner == keep || partner == gone => {
                    groups.refresh(other, threshold, &mut best, &mut heap);
                }
                Some((alike, partner))
                    if average < alike || (average == alike && partner < keep) => {}
                _ if average >= threshold => {
                    best[other] = Some((average, keep));
                    heap.push(Candidate::of(average, other, keep));
                }
                _ => {}
            }
        }
    }
    groups.attach_singletons(ATTACH_THRESHOLD);
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
        let groups = clusters(&corpus, DEFAULT_THRESHOLD, &Evidence::default());
        assert!(groups.contains(&vec![0, 1]), "{groups:?}");
        assert!(!groups.iter().any(|g| g.contains(&1) && g.contains(&2)));
    }

    #[test]
    fn a_question_left_alone_joins_the_group_it_is_closest_to() {
        // 0 and 1 are one group; 2 is close enough to it on average, 3 is not, and 4 is
        // close only to 2, a lone question: lone questions never pair up in this pass.
        let mut groups = Groups {
            members: vec![vec![0, 1], Vec::new(), vec![2], vec![3], vec![4]],
            links: vec![Links::default(); 5],
            merged_into: vec![0, 0, 2, 3, 4],
        };
        let mut link = |a: usize, b: usize, sum: f64| {
            groups.links[a].insert(b, sum);
            groups.links[b].insert(a, sum);
        };
        link(0, 2, 0.5);
        link(0, 3, 0.3);
        link(2, 4, 0.9);
        groups.attach_singletons(ATTACH_THRESHOLD);
        let mut formed: Vec<Vec<usize>> = groups
            .members
            .into_iter()
            .filter(|m| !m.is_empty())
            .map(|mut m| {
                m.sort_unstable();
                m
            })
            .collect();
        formed.sort();
        assert_eq!(formed, vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    #[test]
    fn linked_questions_always_share_a_group() {
        let corpus = corpus(&[
            "Energie besparen",
            "Hoe herstellen we vertrouwen?",
            "Iets anders",
        ]);
        let linked = Evidence {
            linked: vec![(0, 1)],
            ..Evidence::default()
        };
        let groups = clusters(&corpus, DEFAULT_THRESHOLD, &linked);
        assert!(groups.contains(&vec![0, 1]), "{groups:?}");
        assert!(groups.contains(&vec![2]));
    }

    #[test]
    fn repeated_co_recognition_brings_a_pair_together() {
        let corpus = corpus(&[
            "Wat doen we aan de kaalslag in het winkelcentrum?",
            "Steeds meer panden rond de supermarkt staan leeg.",
            "Hoe herstellen we vertrouwen in de gemeente?",
        ]);
        let recognised = |count| Evidence {
            recognised: vec![(0, 1, count)],
            ..Evidence::default()
        };
        let apart = clusters(&corpus, DEFAULT_THRESHOLD, &recognised(1));
        assert!(
            !apart.contains(&vec![0, 1]),
            "once is not enough: {apart:?}"
        );
        let together = clusters(&corpus, DEFAULT_THRESHOLD, &recognised(4));
        assert!(together.contains(&vec![0, 1]), "{together:?}");
        assert!(together.contains(&vec![2]));
    }
}
