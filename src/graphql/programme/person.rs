//! `Person`, with their contact details and affiliations.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use entity::person;

use super::{Organisation, Session, snapshot};
use crate::error::AppError;
use crate::graphql::ids::{self, NodeType};

/// A host, speaker, facilitator or table guest.
pub struct Person(pub Arc<person::Model>);

/// How to reach a person, where the programme prints it.
#[derive(SimpleObject)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

/// A person's tie to an organisation, with their function there where known.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Affiliation {
    #[graphql(skip)]
    pub organisation_id: i32,
    pub title: Option<String>,
}

#[ComplexObject]
impl Affiliation {
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Organisation> {
        let snapshot = snapshot(ctx).await?;
        let organisation = snapshot.organisation(self.organisation_id);
        Ok(Organisation(
            organisation
                .ok_or_else(|| AppError::not_found("organisation"))?
                .clone(),
        ))
    }
}

#[Object]
impl Person {
    pub async fn id(&self) -> ID {
        ids::encode(NodeType::Person, self.0.id)
    }
    /// Stable key, e.g. `hadassah-de-boer`.
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    async fn contact(&self) -> Option<Contact> {
        let p = &self.0;
        (p.email.is_some() || p.phone.is_some() || p.website.is_some()).then(|| Contact {
            email: p.email.clone(),
            phone: p.phone.clone(),
            website: p.website.clone(),
        })
    }
    async fn organisations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organisation>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .affiliations_of_person(self.0.id)
            .iter()
            .filter_map(|a| snapshot.organisation(a.organisation_id).cloned())
            .map(Organisation)
            .collect())
    }
    /// Organisations with the person's function at each.
    async fn affiliations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Affiliation>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .affiliations_of_person(self.0.id)
            .iter()
            .map(|a| Affiliation {
                organisation_id: a.organisation_id,
                title: a.title.clone(),
            })
            .collect())
    }
    /// Sessions the person takes part in, in time order.
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Session>> {
        let snapshot = snapshot(ctx).await?;
        Ok(snapshot
            .sessions_of_person(self.0.id)
            .iter()
            .cloned()
            .map(Session)
            .collect())
    }
}
