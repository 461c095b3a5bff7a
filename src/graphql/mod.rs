//! The GraphQL schema: one module per domain area, merged here.

pub mod account;
pub mod context;
pub mod errors;
pub mod ids;
pub mod loaders;
pub mod pagination;
pub mod programme;

use async_graphql::{EmptyMutation, EmptySubscription, MergedObject, Schema};
use sea_orm::DatabaseConnection;

/// Deepest query accepted (the whole-programme query needs about 8).
pub const MAX_DEPTH: usize = 15;
/// Highest complexity accepted; list fields with `first` multiply their children.
pub const MAX_COMPLEXITY: usize = 2_000;
/// Most directives on one field.
pub const MAX_DIRECTIVES: usize = 10;

#[derive(MergedObject, Default)]
pub struct QueryRoot(programme::ProgrammeQuery, account::AccountQuery);

pub type AppSchema = Schema<QueryRoot, EmptyMutation, EmptySubscription>;

/// Options of the schema that differ between deployments.
#[derive(Debug, Clone, Copy)]
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

/// Builds the schema with its limits; `db` is shared by all requests.
pub fn build_schema(db: DatabaseConnection, options: SchemaOptions) -> AppSchema {
    let builder = Schema::build(QueryRoot::default(), EmptyMutation, EmptySubscription)
        .data(db)
        .extension(errors::ErrorCodes)
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
    build_schema(DatabaseConnection::default(), SchemaOptions::default()).sdl()
}
