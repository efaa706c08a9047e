//! The OpenAPI 3.1 document, generated from the handlers' and models' own annotations so
//! it cannot drift from the code. Served by the common group at `/openapi.json`, with an
//! interactive reference at `/docs`.

use std::sync::OnceLock;

use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Muistotkartalla API",
        description = "Projects hold map sites; people post memories at a site and comment on them. \
            Errors use the envelope `{\"error\": {\"code\", \"message\", …}}`. Log in to get an \
            `Authorization: bearer …` header and send it back as is.",
        license(name = "MIT", identifier = "MIT")
    ),
    paths(
        routes::common::index,
        routes::common::language,
        routes::common::openapi_json,
        routes::common::docs,
        routes::projects::list,
        routes::projects::read,
        routes::projects::create,
        routes::projects::modify,
        routes::projects::remove,
        routes::projects::add_admin,
        routes::projects::remove_admin,
        routes::projects::localize,
        routes::sites::list,
        routes::sites::read,
        routes::sites::create,
        routes::sites::modify,
        routes::sites::remove,
        routes::sites::localize,
        routes::memories::list,
        routes::memories::read,
        routes::memories::create,
        routes::memories::modify,
        routes::memories::remove,
        routes::comments::list,
        routes::comments::read,
        routes::comments::create,
        routes::comments::modify,
        routes::comments::remove,
        routes::admin::publish_order,
        routes::images::image,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "common", description = "Health check, languages, this document"),
        (name = "projects", description = "Projects (E10–E17)"),
        (name = "sites", description = "Sites (E18–E23), nearest-N search"),
        (name = "memories", description = "Memories (E24–E28)"),
        (name = "comments", description = "Comments (E29–E33); absent when MUISTOT_DISABLE_COMMENTS is set"),
        (name = "admin", description = "Publishing (E41)"),
        (name = "images", description = "Images (E3)"),
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

/// The document, built once.
pub fn document() -> utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi).clone()
}
