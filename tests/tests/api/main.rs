//! One integration-test binary (keeps link time down); a module per resource group.

mod common;
mod packaging;
mod projects;
