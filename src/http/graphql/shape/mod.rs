//! Shapes an executed response the way the GraphQL spec has it, where async-graphql 7.2.1
//! does not: a failed field is `null` (moving up to the nearest nullable position) rather
//! than missing, and keys come in the order of the query. The work is done only where it
//! is needed: errors are propagated only when there are field errors, and an object is
//! rebuilt only when its keys are out of order.

mod fields;
mod order;
mod propagate;
mod types;

use async_graphql::{Response, Value};

pub use types::SchemaTypes;

use super::operation::Operation;
use fields::Selections;

/// Shapes `response`, which executed `operation`.
pub(super) fn shape(types: &SchemaTypes, operation: &Operation, response: &mut Response) {
    let field_errors = response.errors.iter().any(|error| !error.path.is_empty());
    if response.data == Value::Null && !field_errors {
        if response.errors.is_empty() {
            // It ran, and `@skip` or `@include` left every root field out.
            response.data = Value::Object(Default::default());
        }
        // Otherwise a request error: nothing ran, and there is no data.
        return;
    }
    let (Some(document), Some(definition)) = (operation.document(), operation.definition()) else {
        return;
    };
    let selections = Selections::new(
        types,
        &document.fragments,
        operation.variables(),
        &definition.node.variable_definitions,
    );
    let root_type = types.root(definition.node.ty);
    let root_sets = [&definition.node.selection_set.node];
    if field_errors {
        // async-graphql answers `null` when every root field failed.
        if response.data == Value::Null {
            response.data = Value::Object(Default::default());
        }
        for error in &response.errors {
            propagate::propagate(
                &selections,
                root_type,
                &root_sets,
                &mut response.data,
                &error.path,
            );
        }
    }
    order::order(&selections, root_type, &root_sets, &mut response.data);
}
