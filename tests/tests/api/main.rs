//! One integration-test binary (keeps link time down); a module per resource group.

mod access;
mod admin;
mod comments;
mod common;
mod fixtures;
mod images;
mod memories;
mod projects;
mod sites;
