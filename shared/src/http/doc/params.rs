//! Parameters that many operations share (`params(ProjectPath, SitePath, ContentLanguage)`), with
//! the constraints of docs/api-conventions.md#field-rules. Documentation only: the
//! handlers parse the raw values with the rules of `validation` and report violations as
//! 422.
#![allow(dead_code)]

use utoipa::IntoParams;

/// `{project}`: a PID.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProjectPath {
    /// Project id (PID): 4–250 of `A-Z a-z 0-9 - _`
    #[param(
        pattern = "^[a-zA-Z0-9_-]+$",
        min_length = 4,
        max_length = 250,
        example = "demo-project"
    )]
    project: String,
}

/// `{site}`: a SID; with [`ProjectPath`] before it.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SitePath {
    /// Site id (SID): 4–250 of `A-Z a-z 0-9 - _`
    #[param(
        pattern = "^[a-zA-Z0-9_-]+$",
        min_length = 4,
        max_length = 250,
        example = "demo-site"
    )]
    site: String,
}

/// `{memory}`: a memory's numeric id; with [`ProjectPath`] and [`SitePath`] before it.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemoryPath {
    /// Memory id
    #[param(minimum = 1, example = 1)]
    memory: i64,
}

/// `{comment}`: a comment's numeric id; after the memory's path parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CommentPath {
    /// Comment id
    #[param(minimum = 1, example = 1)]
    comment: i64,
}

/// `Accept-Language` of the resource groups' reads
/// (docs/api-conventions.md#language-negotiation).
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct AcceptLanguage {
    /// Language of the texts: the first item whose primary tag is a configured language
    /// (default `fi`, `en`, `se`) wins; absent → `fi`; no match → 406
    #[param(rename = "Accept-Language", value_type = String, required = false, example = "en-US,en;q=0.5")]
    accept_language: Option<String>,
}

/// `Content-Language` of the resource groups' writes
/// (docs/api-conventions.md#language-negotiation).
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
pub struct ContentLanguage {
    /// Language of the request: as `Accept-Language` of reads; absent → `fi`; no match → 406
    #[param(rename = "Content-Language", value_type = String, required = false, example = "fi")]
    content_language: Option<String>,
}

/// `?username=`: a UID.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsernameQuery {
    /// Username (UID): 4–64 of `A-Z a-z 0-9 - _ @ . : # äöåÄÖÅ` and space
    #[param(
        pattern = "^[a-zA-Z0-9_@.: #äöåÄÖÅ-]+$",
        min_length = 4,
        max_length = 64
    )]
    username: String,
}
