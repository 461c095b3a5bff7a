//! What the staff page and the report show of a theme's questions: the most recognised and
//! the discussed ones as lines, and the groups of similar questions by their representative.
//! One mapping for both, so the two cannot drift apart.

use entity::learning_question;
use serde::Serialize;

use crate::service::clusters::QuestionGroup;

/// A question as a line of a list: its text and how often it was recognised.
#[derive(Debug, Serialize)]
pub struct QuestionLine {
    pub text: String,
    pub votes: i32,
}

/// A group of similar questions: its label (most characteristic words), the question that
/// represents it, how many it holds and how often they were recognised together.
#[derive(Debug, Serialize)]
pub struct GroupLine {
    pub label: String,
    pub representative: String,
    pub size: usize,
    pub votes: i64,
}

/// The questions as lines, in their order.
pub fn question_lines(questions: Vec<learning_question::Model>) -> Vec<QuestionLine> {
    questions
        .into_iter()
        .map(|q| QuestionLine {
            text: q.text,
            votes: q.vote_count,
        })
        .collect()
}

/// The groups as lines, in their order (an empty group has nothing to show).
pub fn group_lines(groups: &[QuestionGroup]) -> Vec<GroupLine> {
    groups
        .iter()
        .filter_map(|g| {
            Some(GroupLine {
                representative: g.members.first()?.text.clone(),
                label: g.label.join(", "),
                size: g.members.len(),
                votes: g.members.iter().map(|m| i64::from(m.vote_count)).sum(),
            })
        })
        .collect()
}
