//! One integration-test binary (keeps link time down); a module per resource group.

mod access;
mod admin;
mod clusters;
mod comments;
mod common;
mod concurrency;
mod database_tls;
mod faults;
mod frontend_contract;
mod fuzz_findings;
mod images;
mod json_bodies;
mod limits;
mod login;
mod login_links;
mod me;
mod memories;
mod migrations;
mod openapi;
mod packaging;
mod projects;
mod redis_sessions;
mod security;
mod sessions;
mod site_pages;
mod sites;
