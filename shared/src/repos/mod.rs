//! All SQL, one module per resource. Functions take a connection or transaction and the
//! caller, read the facts the access rules need (`access.rs`) and return domain values or
//! [`crate::error::ApiError`]; no HTTP types here.

pub mod account;
pub mod clusters;
pub mod comments;
pub mod images;
pub mod languages;
pub mod login;
pub mod me;
pub mod memories;
pub mod moderation;
pub mod nearest;
pub mod projects;
pub mod publish;
pub mod reports;
pub mod row;
pub mod site_pages;
pub mod sites;
pub mod throttle;
pub mod trail;
pub mod users;

pub use crate::access::Viewer;
