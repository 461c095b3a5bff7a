//! `Organisation`.

use std::sync::Arc;

use async_graphql::{ID, Object};
use entity::organisation;

use crate::graphql::ids::{self, NodeType};

/// An organisation: municipality, housing corporation, knowledge institute, initiative, …
pub struct Organisation(pub Arc<organisation::Model>);

#[Object]
impl Organisation {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Organisation, self.0.id)
    }
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
}
