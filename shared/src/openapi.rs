//! The OpenAPI 3.1 document, generated from the handlers' and models' own annotations so
//! it cannot drift from the code.
//!
//! A route is declared once, by its handler's `#[utoipa::path(…)]` (method, path, tag =
//! its group, operation id, responses — shared statuses through the sets of
//! [`responses`]), and registered in its group's `routes()` with `routes!(handler)`: that
//! one declaration gives the router, the group's part of this document, and — through the
//! committed copy of the document — the route table every function reads
//! (docs/architecture.md#adding-a-route). [`document`] merges the groups' parts into
//! [`ApiDoc`], which holds what belongs to no route: info, tags, the bearer scheme and the
//! shared responses.
//!
//! The document is committed as `docs/openapi.json`; the common function serves that file,
//! since linking [`document`] would link every group's handlers. A test fails, saying how to
//! rewrite it, when the file differs from [`document`].
//!
//! Operation ids are part of the published document (clients name their calls after them),
//! so each is written out in its attribute and kept as published, including the ones that
//! repeat their group (`sites_sites_list`); the ids of the `/auth/…` aliases are the seed's
//! id plus the alias (`routes::login::ALIASES`). Response types carry
//! `#[serde(deny_unknown_fields)]`, which makes their schemas `additionalProperties: false`:
//! a body with an undocumented field fails the fuzz run (`.ci/fuzz.sh`).

use std::sync::OnceLock;

use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::{error::ErrorEnvelope, http::doc::responses, routes::Group};

/// The document without its paths: what belongs to no route.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Muistotkartalla API",
        description = "Projects hold map sites; people post memories at a site and comment on them. \
            Errors use the envelope `{\"error\": {\"code\", \"message\", …}}` (422: with `errors`, \
            one entry per broken rule). Log in (`/auth/login`, `/auth/email/exchange`) to get an \
            `Authorization: bearer …` response header and send it back as is. A present but \
            invalid or expired token is answered with 401 on every path.",
        license(name = "MIT", identifier = "MIT")
    ),
    components(schemas(ErrorEnvelope)),
    modifiers(&BearerAuth, &SharedResponses),
    tags(
        (name = "common", description = "Health check, languages, this document"),
        (name = "projects", description = "Projects"),
        (name = "sites", description = "Sites, nearest-N search"),
        (name = "memories", description = "Memories"),
        (name = "comments", description = "Comments; absent when MUISTOT_DISABLE_COMMENTS is set"),
        (name = "admin", description = "Publishing"),
        (name = "images", description = "Images"),
        (name = "login", description = "Login, registration and e-mail links; every \
            path also under `/auth/…`, the spelling the frontend calls"),
        (name = "me", description = "The current user"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The value of the `Authorization` header returned at login",
                    ))
                    .build(),
            ),
        );
    }
}

/// The shared responses of [`responses`] under `components/responses`.
struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, response) in responses::components() {
            components
                .responses
                .insert(name.to_string(), response.into());
        }
    }
}

/// The whole document: [`ApiDoc`] and every group's routes, in [`Group::ALL`]'s order.
/// Built once; pretty-printed, it is `docs/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        for group in Group::ALL {
            doc.merge(group.openapi_router().into_openapi());
        }
        responses::add_conditional_reads(&mut doc);
        doc
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_their_seed_with_ids_of_their_own() {
        let doc = document();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        let at = |p: &str| paths.iter().position(|k| *k == p).unwrap();
        assert_eq!(at("/auth/login"), at("/login") + 1);
        assert_eq!(at("/auth/password"), at("/login") + 2);
        assert_eq!(at("/auth/oauth"), at("/oauth") + 1);
        let post = |p: &str| doc.paths.paths[p].post.as_ref().unwrap();
        assert_eq!(
            post("/login").operation_id.as_deref(),
            Some("login_password_login")
        );
        assert_eq!(
            post("/auth/login").operation_id.as_deref(),
            Some("login_password_login_auth_login")
        );
        assert!(post("/auth/login").responses == post("/login").responses);
    }

    /// Each id is written out in its attribute; all start with their group (the first tag).
    #[test]
    fn operation_ids_start_with_their_group() {
        let doc = serde_json::to_value(document()).expect("serialisable");
        let paths = doc["paths"].as_object().expect("paths");
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("path item") {
                let id = op["operationId"].as_str().unwrap_or_default();
                let tag = op["tags"][0].as_str().unwrap_or_default();
                assert!(
                    !tag.is_empty() && id.starts_with(&format!("{tag}_")),
                    "{method} {path}: id {id:?}, group {tag:?}"
                );
            }
        }
    }
}
