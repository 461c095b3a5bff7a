//! buurtgraph: a GraphQL service for the programme of neighbourhood events and the
//! learning questions their participants bring.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod programme_bundle;
pub mod programme_file;
pub mod readmodel;
pub mod schedule;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;

pub use startup::{Application, Routers, build_router, build_routers};
