//! A participant's own data: what they can see of it and how they erase it.

use async_graphql::{Context, Object, SimpleObject};

use super::context::ContextExt;
use super::feedback::LearningQuestion;
use crate::auth::policy;
use crate::service::privacy;

/// Everything kept about the viewer as a participant. Participants are pseudonymous: no
/// name, e-mail or address is stored, only this token's participant number.
#[derive(SimpleObject)]
pub struct MyData {
    /// The questions the viewer submitted, in any status.
    pub questions: Vec<LearningQuestion>,
    /// The questions the viewer voted for.
    pub voted_for: Vec<LearningQuestion>,
}

/// What `deleteMyData` removed.
#[derive(SimpleObject)]
pub struct DeletedData {
    pub questions: u64,
    pub votes: u64,
}

#[derive(Default)]
pub struct PrivacyQuery;

#[Object]
impl PrivacyQuery {
    /// The viewer's own questions and votes (participants).
    async fn my_data(&self, ctx: &Context<'_>) -> async_graphql::Result<MyData> {
        let (participant_id, _) = policy::require_participant(&ctx.viewer())?;
        let (questions, voted_for) = privacy::own_data(ctx.db()?, participant_id).await?;
        Ok(MyData {
            questions: questions.into_iter().map(LearningQuestion).collect(),
            voted_for: voted_for.into_iter().map(LearningQuestion).collect(),
        })
    }
}

#[derive(Default)]
pub struct PrivacyMutation;

#[Object]
impl PrivacyMutation {
    /// Erases the viewer's questions and votes and ends their participation: the token
    /// stops working. Vote counts of other questions go down accordingly.
    async fn delete_my_data(&self, ctx: &Context<'_>) -> async_graphql::Result<DeletedData> {
        let (participant_id, _) = policy::require_participant(&ctx.viewer())?;
        let erased = privacy::erase_participant(ctx.db()?, ctx.changes()?, participant_id).await?;
        Ok(DeletedData {
            questions: erased.questions,
            votes: erased.votes,
        })
    }
}
