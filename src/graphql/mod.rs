//! The GraphQL schema: one module per domain area, merged here.

pub mod account;
pub mod admin;
pub mod context;
pub mod errors;
pub mod feedback;
pub mod ids;
pub mod live;
pub mod loaders;
pub mod moderation;
pub mod pagination;
pub mod privacy;
pub mod programme;
pub mod requests;
pub mod summary;

use async_graphql::{MergedObject, Schema};
use sea_orm::DatabaseConnection;

use crate::auth::jwt::JwtKeys;
use crate::auth::limits::Limits;
use crate::db::Writer;
use crate::service::live::Changes;

/// Deepest query accepted (the whole-programme query needs about 8).
pub const MAX_DEPTH: usize = 15;
/// Highest complexity accepted; list fields with `first` multiply their children.
pub const MAX_COMPLEXITY: usize = 2_000;
/// Most directives on one field.
pub const MAX_DIRECTIVES: usize = 10;

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    programme::ProgrammeQuery,
    account::AccountQuery,
    feedback::FeedbackQuery,
    moderation::ModerationQuery,
    summary::SummaryQuery,
    admin::AdminQuery,
    privacy::PrivacyQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    account::AccountMutation,
    feedback::FeedbackMutation,
    moderation::ModerationMutation,
    programme::ProgrammeMutation,
    admin::AdminMutation,
    privacy::PrivacyMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, live::SubscriptionRoot>;

/// Queries remembered for automatic persisted queries (by SHA-256 of their text).
pub const PERSISTED_QUERIES: usize = 1_000;

/// Options of the schema that differ between deployments.
#[derive(Clone)]
pub struct SchemaOptions {
    pub introspection: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            introspection: true,
        }
    }
}

/// The handles every request shares, given to the schema as data.
pub struct SchemaData {
    pub db: DatabaseConnection,
    pub writer: Writer,
    pub changes: Changes,
    pub keys: JwtKeys,
    pub limits: Limits,
}

/// Builds the schema with its limits over the shared handles.
pub fn build_schema(data: SchemaData, options: SchemaOptions) -> AppSchema {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::SubscriptionRoot,
    )
    .data(data.writer)
    .data(data.db)
    .data(data.changes)
    .data(data.keys)
    .data(data.limits)
    // No `.extension(…)`: see `requests` for why codes and persisted queries live there.
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_directives(MAX_DIRECTIVES)
    .limit_recursive_depth(64);
    let builder = if options.introspection {
        builder
    } else {
        builder.disable_introspection()
    };
    builder.finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::SubscriptionRoot,
    )
    .finish()
    .sdl()
}
