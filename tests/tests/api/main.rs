//! One integration-test binary (keeps link time down); a module per resource group.

mod common;
mod faults;
mod fuzz_findings;
mod limits;
mod login;
mod me;
mod migrations;
mod openapi;
mod projects;
mod redis_sessions;
mod security;
mod sessions;
