//! What the response shaping needs of the schema: each field's type, and which object types
//! an interface or union stands for. Read from the schema's SDL once.

use std::collections::{HashMap, HashSet};

use async_graphql::Name;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{BaseType, OperationType, Type, TypeKind, TypeSystemDefinition};

/// The output types of a schema.
pub struct SchemaTypes {
    /// The root types of queries, mutations and subscriptions.
    roots: [Name; 3],
    /// Fields of object and interface types, with their types.
    fields: HashMap<Name, HashMap<Name, Type>>,
    /// The object types each interface and union stands for, in the SDL's order.
    possible: HashMap<Name, Vec<Name>>,
    /// Object types only: a selection on one of these needs no guessing.
    objects: HashSet<Name>,
    typename: Type,
}

impl SchemaTypes {
    /// The types of the schema in `sdl`; an SDL that does not parse gives no types, and
    /// then responses go out as they are executed.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut types = Self {
            roots: ["Query", "Mutation", "Subscription"].map(Name::new),
            fields: HashMap::new(),
            possible: HashMap::new(),
            objects: HashSet::new(),
            typename: non_null("String"),
        };
        let document = match parse_schema(sdl) {
            Ok(document) => document,
            Err(err) => {
                tracing::error!(error = %err, "the schema's SDL does not parse; responses are not shaped");
                return types;
            }
        };
        let mut implementations: Vec<(Name, Name)> = Vec::new();
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    let names = [schema.query, schema.mutation, schema.subscription];
                    for (root, name) in types.roots.iter_mut().zip(names) {
                        if let Some(name) = name {
                            *root = name.node;
                        }
                    }
                }
                TypeSystemDefinition::Type(definition) => {
                    let definition = definition.node;
                    let name = definition.name.node;
                    let fields = match definition.kind {
                        TypeKind::Object(object) => {
                            types.objects.insert(name.clone());
                            for interface in &object.implements {
                                implementations.push((interface.node.clone(), name.clone()));
                            }
                            object.fields
                        }
                        TypeKind::Interface(interface) => {
                            types.possible.entry(name.clone()).or_default();
                            interface.fields
                        }
                        TypeKind::Union(union) => {
                            let members = union.members.into_iter().map(|m| m.node).collect();
                            types.possible.insert(name, members);
                            continue;
                        }
                        _ => continue,
                    };
                    let fields = fields
                        .into_iter()
                        .map(|field| (field.node.name.node, field.node.ty.node))
                        .collect();
                    types.fields.insert(name, fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        for (interface, object) in implementations {
            types.possible.entry(interface).or_default().push(object);
        }
        types
    }

    /// The type at the root of an operation of this kind.
    pub fn root(&self, operation: OperationType) -> &str {
        let [query, mutation, subscription] = &self.roots;
        match operation {
            OperationType::Query => query,
            OperationType::Mutation => mutation,
            OperationType::Subscription => subscription,
        }
    }

    /// The type of a field of an object or interface type; `None` for fields the SDL does
    /// not show (introspection's `__schema` and `__type`).
    pub fn field(&self, parent: &str, field: &str) -> Option<&Type> {
        if field == "__typename" {
            return Some(&self.typename);
        }
        self.fields.get(parent)?.get(field)
    }

    pub fn is_object(&self, name: &str) -> bool {
        self.objects.contains(name)
    }

    /// The object types an interface or union stands for; empty for any other type.
    pub fn possible(&self, abstract_type: &str) -> &[Name] {
        self.possible.get(abstract_type).map_or(&[], Vec::as_slice)
    }

    /// Whether a fragment on `condition` applies to an object of type `object`.
    pub fn applies(&self, condition: &str, object: &str) -> bool {
        condition == object
            || self
                .possible(condition)
                .iter()
                .any(|p| p.as_str() == object)
    }
}

fn non_null(name: &str) -> Type {
    Type {
        base: BaseType::Named(Name::new(name)),
        nullable: false,
    }
}
