//! One integration-test binary (keeps link time down); a module per resource group.

mod common;
mod login;
mod me;
mod projects;
mod sessions;
