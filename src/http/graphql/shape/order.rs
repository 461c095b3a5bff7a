//! Keys in the query's order (spec 7.2.2, "Serialized Map Ordering"). async-graphql puts
//! them in the order their resolvers finish, so a field that waits on the database comes
//! after the fields that did not.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{BaseType, SelectionSet, Type};
use async_graphql::{Name, Value};

use super::fields::{Collected, Selections};

/// Puts every object's keys in the order its fields were selected; objects already in
/// order are left as they are.
pub fn order<'a>(
    selections: &Selections<'a>,
    root_type: &'a str,
    root_sets: &[&'a SelectionSet],
    data: &mut Value,
) {
    if let Value::Object(object) = data {
        order_object(selections, root_type, root_sets, object);
    }
}

fn order_value<'a>(
    selections: &Selections<'a>,
    ty: &'a Type,
    sets: &[&'a SelectionSet],
    value: &mut Value,
) {
    match (&ty.base, value) {
        (BaseType::List(item_type), Value::List(items)) => {
            for item in items {
                order_value(selections, item_type.as_ref(), sets, item);
            }
        }
        (BaseType::Named(name), Value::Object(object)) => {
            order_object(selections, name.as_str(), sets, object);
        }
        _ => {}
    }
}

fn order_object<'a>(
    selections: &Selections<'a>,
    declared: &'a str,
    sets: &[&'a SelectionSet],
    object: &mut IndexMap<Name, Value>,
) {
    let Some(object_type) = selections.object_type(declared, sets, object) else {
        return;
    };
    let fields = selections.collect(object_type, sets);
    if !in_order(object, &fields) {
        reorder(object, &fields);
    }
    // Keys and fields now run in the same order: walk them together.
    let mut remaining = fields.iter();
    for (key, value) in object.iter_mut() {
        let Some(field) = remaining.find(|field| field.key == key) else {
            break;
        };
        if let Some(ty) = field.ty
            && field.has_subfields()
        {
            order_value(selections, ty, &field.sets, value);
        }
    }
}

/// Whether the object's keys come in the order of `fields`.
fn in_order(object: &IndexMap<Name, Value>, fields: &[Collected<'_>]) -> bool {
    let mut expected = fields.iter();
    object
        .keys()
        .all(|key| expected.any(|field| field.key == key))
}

fn reorder(object: &mut IndexMap<Name, Value>, fields: &[Collected<'_>]) {
    let mut unordered = std::mem::take(object);
    object.reserve(unordered.len());
    for field in fields {
        if let Some((key, value)) = unordered.swap_remove_entry(field.key.as_str()) {
            object.insert(key, value);
        }
    }
    // Keys the query does not name (there should be none) are kept, last.
    object.extend(unordered);
}
