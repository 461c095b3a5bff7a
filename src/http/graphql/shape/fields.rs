//! The spec's CollectFields: the response keys an object of a given type gets from a
//! selection set, in the query's order, fields that share a key merged.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use async_graphql::parser::types::{
    Directive, FragmentDefinition, Selection, SelectionSet, Type, VariableDefinition,
};
use async_graphql::{Name, Positioned, Value, Variables};

use super::types::SchemaTypes;

/// One response key of an object.
pub struct Collected<'a> {
    /// The alias, or the field's name.
    pub key: &'a Name,
    /// The field's name in the schema.
    pub name: &'a Name,
    /// The selection sets of every field under this key; together they select the children.
    pub sets: Vec<&'a SelectionSet>,
    /// The field's type; `None` for fields the SDL does not show (`__schema`, `__type`).
    pub ty: Option<&'a Type>,
}

impl Collected<'_> {
    /// Whether the field has subfields (its value is an object, or a list of them).
    pub fn has_subfields(&self) -> bool {
        self.sets.iter().any(|set| !set.items.is_empty())
    }
}

/// Collected fields by object type and the address and length of a list of sets.
type FieldsCache<'a> = HashMap<(&'a str, usize, usize), Rc<[Collected<'a>]>>;

/// Fields selected in one operation, given its fragments and variables.
pub struct Selections<'a> {
    pub types: &'a SchemaTypes,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    variables: &'a Variables,
    definitions: &'a [Positioned<VariableDefinition>],
    /// Collected fields by object type and selection sets: the items of a list share theirs.
    /// A list of sets is known by its address: every list passed in lives in this cache or
    /// is the operation's root, so no two lists alive share one.
    cache: RefCell<FieldsCache<'a>>,
}

impl<'a> Selections<'a> {
    pub fn new(
        types: &'a SchemaTypes,
        fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
        variables: &'a Variables,
        definitions: &'a [Positioned<VariableDefinition>],
    ) -> Self {
        Self {
            types,
            fragments,
            variables,
            definitions,
            cache: RefCell::default(),
        }
    }

    /// The fields an object of type `object` gets from `sets`, in order.
    pub fn collect(&self, object: &'a str, sets: &[&'a SelectionSet]) -> Rc<[Collected<'a>]> {
        let key = (object, sets.as_ptr() as usize, sets.len());
        if let Some(fields) = self.cache.borrow().get(&key) {
            return fields.clone();
        }
        let mut fields = Vec::new();
        let mut visited = Vec::new();
        for set in sets {
            self.collect_into(object, set, &mut fields, &mut visited);
        }
        let fields: Rc<[Collected<'a>]> = fields.into();
        self.cache.borrow_mut().insert(key, fields.clone());
        fields
    }

    fn collect_into(
        &self,
        object: &'a str,
        set: &'a SelectionSet,
        fields: &mut Vec<Collected<'a>>,
        visited: &mut Vec<&'a Name>,
    ) {
        for selection in &set.items {
            if self.skipped(selection.node.directives()) {
                continue;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = &field.response_key().node;
                    match fields.iter_mut().find(|f| f.key == key) {
                        Some(same_key) => same_key.sets.push(&field.selection_set.node),
                        None => fields.push(Collected {
                            key,
                            name: &field.name.node,
                            sets: vec![&field.selection_set.node],
                            ty: self.types.field(object, &field.name.node),
                        }),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if visited.contains(&name) {
                        continue;
                    }
                    visited.push(name);
                    let Some(fragment) = self.fragments.get(name) else {
                        continue;
                    };
                    let condition = &fragment.node.type_condition.node.on.node;
                    if self.types.applies(condition, object) {
                        self.collect_into(
                            object,
                            &fragment.node.selection_set.node,
                            fields,
                            visited,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    let applies = inline.node.type_condition.as_ref().is_none_or(|condition| {
                        self.types.applies(&condition.node.on.node, object)
                    });
                    if applies {
                        self.collect_into(object, &inline.node.selection_set.node, fields, visited);
                    }
                }
            }
        }
    }

    /// Whether `@skip` or `@include` leaves the selection out.
    fn skipped(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().any(|directive| {
            let directive = &directive.node;
            match directive.name.node.as_str() {
                "skip" => self.condition(directive) == Some(true),
                "include" => self.condition(directive) == Some(false),
                _ => false,
            }
        })
    }

    fn condition(&self, directive: &Directive) -> Option<bool> {
        let condition = directive.get_argument("if")?.node.clone();
        match condition.into_const_with(|name| self.variable(&name).cloned().ok_or(())) {
            Ok(Value::Boolean(condition)) => Some(condition),
            _ => None,
        }
    }

    /// A variable's value: as the request gives it, or its default.
    fn variable(&self, name: &Name) -> Option<&'a Value> {
        self.variables.get(name).or_else(|| {
            self.definitions
                .iter()
                .find(|definition| definition.node.name.node == *name)
                .and_then(|definition| definition.node.default_value())
        })
    }

    /// The object type of `object`, selected on a field of type `declared`: that type itself,
    /// or for an interface or union the type `__typename` names, else the one whose fields
    /// are exactly the object's keys.
    pub fn object_type(
        &self,
        declared: &'a str,
        sets: &[&'a SelectionSet],
        object: &async_graphql::indexmap::IndexMap<Name, Value>,
    ) -> Option<&'a str> {
        if self.types.is_object(declared) {
            return Some(declared);
        }
        let candidates = self.types.possible(declared);
        let named = candidates.iter().find(|candidate| {
            self.collect(candidate, sets).iter().any(|field| {
                field.name == "__typename"
                    && matches!(object.get(field.key), Some(Value::String(name)) if name == candidate.as_str())
            })
        });
        named
            .or_else(|| {
                candidates.iter().find(|candidate| {
                    let fields = self.collect(candidate, sets);
                    fields.len() == object.len()
                        && fields.iter().all(|field| object.contains_key(field.key))
                })
            })
            .map(|name| name.as_str())
    }

    /// For an object the data cannot tell (it lacks the key): a type that selects `key`.
    /// Validation gives every such type the same shape under that key.
    pub fn any_type_with_key(
        &self,
        declared: &'a str,
        sets: &[&'a SelectionSet],
        key: &str,
    ) -> Option<&'a str> {
        if self.types.is_object(declared) {
            return Some(declared);
        }
        self.types
            .possible(declared)
            .iter()
            .find(|candidate| self.collect(candidate, sets).iter().any(|f| f.key == key))
            .map(|name| name.as_str())
    }
}
