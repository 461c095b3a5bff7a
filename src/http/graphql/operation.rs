//! What the handler keeps of each operation before the schema consumes the request: its
//! name for the request log, and its document and variables to shape the response.

use async_graphql::extensions::apollo_persisted_queries::CacheStorage;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
};
use async_graphql::{BatchRequest, Positioned, Request, Variables};

use crate::state::AppState;

/// The hash of an automatic persisted query, as Apollo clients send it.
pub(super) fn persisted_query_hash(request: &Request) -> Option<&str> {
    match request.extensions.get("persistedQuery") {
        Some(async_graphql::Value::Object(fields)) => match fields.get("sha256Hash") {
            Some(async_graphql::Value::String(hash)) => Some(hash),
            _ => None,
        },
        _ => None,
    }
}

/// One operation of a request, as the client sent it.
pub(super) struct Operation {
    /// `None` when the query does not parse or names an unknown persisted query: then
    /// nothing runs, and there is nothing to shape.
    document: Option<ExecutableDocument>,
    name: Option<String>,
    variables: Variables,
}

impl Operation {
    /// The operations of a batch, in order. A query is parsed here once; the schema reuses
    /// the parsed document.
    pub(super) async fn of_batch(state: &AppState, batch: &mut BatchRequest) -> Vec<Self> {
        match batch {
            BatchRequest::Single(request) => vec![Self::of(state, request).await],
            BatchRequest::Batch(requests) => {
                let mut operations = Vec::with_capacity(requests.len());
                for request in requests {
                    operations.push(Self::of(state, request).await);
                }
                operations
            }
        }
    }

    async fn of(state: &AppState, request: &mut Request) -> Self {
        let document = if request.query.is_empty() {
            match persisted_query_hash(request) {
                Some(hash) => state.persisted_queries.get(hash.to_owned()).await,
                None => None,
            }
        } else {
            request.parsed_query().ok().cloned()
        };
        Self {
            document,
            name: request.operation_name.clone(),
            variables: request.variables.clone(),
        }
    }

    /// The operation that runs, as GraphQL selects it: by name, or the only one.
    pub(super) fn definition(&self) -> Option<&Positioned<OperationDefinition>> {
        match (&self.document.as_ref()?.operations, &self.name) {
            (DocumentOperations::Single(operation), None) => Some(operation),
            (DocumentOperations::Single(_), Some(_)) => None,
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name.as_str()),
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next()
            }
            (DocumentOperations::Multiple(_), None) => None,
        }
    }

    /// Whether the operation that runs is a mutation (or a subscription).
    pub(super) fn is_mutation(&self) -> bool {
        self.definition()
            .is_some_and(|operation| operation.node.ty != OperationType::Query)
    }

    /// The operation's name: as the request gives it, or as its document has it.
    pub(super) fn name(&self) -> Option<&str> {
        if let Some(name) = &self.name {
            return Some(name);
        }
        match &self.document.as_ref()?.operations {
            DocumentOperations::Multiple(operations) if operations.len() == 1 => {
                operations.keys().next().map(|name| name.as_str())
            }
            _ => None,
        }
    }

    pub(super) fn document(&self) -> Option<&ExecutableDocument> {
        self.document.as_ref()
    }

    pub(super) fn variables(&self) -> &Variables {
        &self.variables
    }
}

/// The names of a batch's operations for the request log, comma-separated; `None` when
/// none has a name.
pub(super) fn log_name(operations: &[Operation]) -> Option<String> {
    let names: Vec<&str> = operations.iter().filter_map(Operation::name).collect();
    (!names.is_empty()).then(|| names.join(","))
}
