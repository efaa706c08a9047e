//! Black-box test harness of the `muistot-tests` package: the merged router served on
//! port 0 against a fresh MariaDB database (one per test binary run, migrations applied),
//! the real Redis and moto's server.
//!
//! One module a job, under `support/`; everything is re-exported here, so a test file
//! needs only `use muistot_tests::*;`.

pub mod support {
    /// Users and their sessions: direct inserts, stored sessions, password login.
    pub mod accounts;
    /// `TestApp`: a server of its own for each test, and its environment.
    pub mod app;
    /// moto: the AWS environment, DynamoDB tables, SES identities and messages.
    pub mod aws;
    /// The test databases: creation, migration, clean-up, direct reads.
    pub mod db;
    /// Projects, sites, memories and comments inserted directly; test images.
    pub mod fixtures;
    /// The 2022 frontend's axios encoding and its reading of a login link.
    pub mod frontend;
    /// Requests to a `TestApp` and their answers (`Resp`).
    pub mod http;
    /// The items and ids of list responses.
    pub mod lists;
    /// The captured log output.
    pub mod logs;
    /// The outbox, login links in mails, asking for and exchanging them.
    pub mod mail;
    /// Names unique within a run.
    pub mod names;
    /// Paths of the content API.
    pub mod paths;
    /// A TCP proxy to cut or stall a dependency.
    pub mod proxy;
}

pub use reqwest::{Method, StatusCode};
pub use serde_json::{json, Value};
pub use support::{
    accounts::*, app::*, aws::*, db::*, fixtures::*, frontend::*, http::*, lists::*, logs, mail::*,
    names::*, paths::*, proxy,
};
