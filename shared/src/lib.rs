//! `muistot`: everything of the Muistotkartalla API that is not a `main` — configuration,
//! errors, database access, sessions, repositories and one router per resource group.

pub mod access;
#[cfg(feature = "aws")]
pub mod aws;
pub mod config;
pub mod db;
pub mod error;
pub mod geo;
pub mod http;
pub mod images;
pub mod mail;
pub mod models;
pub mod namegen;
pub mod openapi;
pub mod passwords;
pub mod repos;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod telemetry;
pub mod validation;

pub use config::Config;
pub use error::{ApiError, ApiResult};
pub use state::AppState;
