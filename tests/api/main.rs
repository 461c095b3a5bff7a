//! The one integration test binary: every test drives the real router in-process
//! against a fresh database (SQLite file, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod abuse;
mod actors;
mod admin;
mod fixtures;
mod helpers;

mod authorization;
mod backup;
mod caching;
mod cli;
mod clusters;
mod crash;
mod excel;
mod exports;
mod feedback;
mod http;
mod import;
mod instances;
mod limits;
mod live;
mod metrics;
mod moderation;
mod privacy;
mod programme;
mod queries;
mod schedule;
mod schema;
mod search;
mod similarity_eval;
mod staff;
mod statements;
mod tokens;
mod web;
mod web_account;
mod web_agenda;
mod writer;
mod ws_protocol;
