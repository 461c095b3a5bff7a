//! Field errors the spec's way ("Handling Field Errors", "Errors and Non-Null Fields"): the
//! failed field is `null`, and a `null` in a non-null position moves up to the nearest
//! nullable one, or makes all of `data` null. async-graphql 7.2.1 leaves the failed field's
//! key out instead, at every level.

use std::rc::Rc;

use async_graphql::parser::types::{BaseType, SelectionSet, Type};
use async_graphql::{Name, PathSegment, Value};

use super::fields::{Collected, Selections};

/// Applies one field error at `path` to `data`.
pub fn propagate<'a>(
    selections: &Selections<'a>,
    root_type: &'a str,
    root_sets: &[&'a SelectionSet],
    data: &mut Value,
    path: &[PathSegment],
) {
    let Some(nullable) = failed_field(selections, root_type, root_sets, data, path) else {
        return;
    };
    // nullable[i] tells whether the position at path[..=i] may be null.
    let Some(target) = nullable.iter().rposition(|&may_be_null| may_be_null) else {
        *data = Value::Null;
        return;
    };
    set_null(data, &path[..=target]);
}

/// The nullability of each position from the root down to the field that failed: the
/// first one along `path` that the data lacks. `None` when there is nothing to do: the data
/// has a value there (an error beside a value), an ancestor is null already, or the path
/// does not fit the operation.
fn failed_field<'a>(
    selections: &Selections<'a>,
    root_type: &'a str,
    root_sets: &[&'a SelectionSet],
    data: &Value,
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let mut nullable = Vec::with_capacity(path.len());
    let mut value = data;
    // The type at the current position (`None`: the root object), and where the fields
    // selected on it are: the cached fields of the parent and the index of this one.
    let mut ty: Option<&'a Type> = None;
    let mut parent: Option<(Rc<[Collected<'a>]>, usize)> = None;
    for segment in path {
        let sets = match &parent {
            Some((fields, index)) => fields[*index].sets.as_slice(),
            None => root_sets,
        };
        match segment {
            PathSegment::Field(key) => {
                let Value::Object(object) = value else {
                    return None;
                };
                let declared = match ty {
                    None => root_type,
                    Some(Type {
                        base: BaseType::Named(name),
                        ..
                    }) => name.as_str(),
                    Some(_) => return None,
                };
                let object_type = selections
                    .object_type(declared, sets, object)
                    .or_else(|| selections.any_type_with_key(declared, sets, key))?;
                let fields = selections.collect(object_type, sets);
                let index = fields.iter().position(|field| field.key == key)?;
                let field_type = fields[index].ty?;
                nullable.push(field_type.nullable);
                ty = Some(field_type);
                parent = Some((fields, index));
                match object.get(key.as_str()) {
                    Some(next) => value = next,
                    None => return Some(nullable),
                }
            }
            PathSegment::Index(index) => {
                let Value::List(items) = value else {
                    return None;
                };
                let Some(Type {
                    base: BaseType::List(item_type),
                    ..
                }) = ty
                else {
                    return None;
                };
                nullable.push(item_type.nullable);
                ty = Some(item_type);
                match items.get(*index) {
                    Some(next) => value = next,
                    None => return Some(nullable),
                }
            }
        }
    }
    None
}

/// Sets the value at `path` to null, adding the key if the object lacks it.
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let Some((last, parents)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let mut value = data;
    for segment in parents {
        let next = match (segment, value) {
            (PathSegment::Field(key), Value::Object(object)) => object.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(items)) => items.get_mut(*index),
            _ => None,
        };
        let Some(next) = next else {
            return;
        };
        value = next;
    }
    match (last, value) {
        (PathSegment::Field(key), Value::Object(object)) => {
            object.insert(Name::new(key), Value::Null);
        }
        (PathSegment::Index(index), Value::List(items)) => {
            if let Some(item) = items.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}
