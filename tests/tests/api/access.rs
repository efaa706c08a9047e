//! The access matrix of the content and moderation endpoints
//! (docs/api-conventions.md#visibility, docs/api-conventions.md#moderation-queue): for
//! every mutating endpoint, caller and target state, the status. Rules: 401 without a
//! session; 404 when the caller cannot see the target (or its parent); 403 when they can
//! see it but may not do this. Superusers are admins of every project, admin rights are
//! read from the database (docs/compatibility.md#superusers-are-admins-of-every-project,
//! docs/compatibility.md#privileges-are-read-on-every-request).

use muistot_tests::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anonymous,
    User,
    Author,
    Admin,
    OtherAdmin,
    Superuser,
}
use Caller::*;

const CALLERS: [Caller; 6] = [Anonymous, User, Author, Admin, OtherAdmin, Superuser];

#[derive(Clone, Copy, Debug)]
enum Op {
    SiteCreate,
    SitePatch,
    SiteDelete,
    SiteLocalize,
    MemoryCreate,
    MemoryPatch,
    MemoryDelete,
    CommentCreate,
    CommentPatch,
    CommentDelete,
    PublishSite,
    PublishMemory,
    MemoryReport,
    CommentReport,
    MemoryDismiss,
    CommentDismiss,
    Queue,
    Log,
}
use Op::*;

const OPS: [Op; 18] = [
    SiteCreate,
    SitePatch,
    SiteDelete,
    SiteLocalize,
    MemoryCreate,
    MemoryPatch,
    MemoryDelete,
    CommentCreate,
    CommentPatch,
    CommentDelete,
    PublishSite,
    PublishMemory,
    MemoryReport,
    CommentReport,
    MemoryDismiss,
    CommentDismiss,
    Queue,
    Log,
];

/// Expected status for (operation, caller) with the target published / unpublished.
/// For creates the "target" is the parent (project, site, memory) and "Author" is its
/// author or creator.
fn expected(op: Op, caller: Caller, published: bool) -> u16 {
    let hidden = if published { 403 } else { 404 };
    match (op, caller) {
        (_, Anonymous) => 401,
        // The moderation queue: its admins, else the same 404 whatever the project's state
        // (docs/api-conventions.md#moderation-queue).
        (Queue | Log, Admin | Superuser) => 200,
        (Queue | Log, _) => 404,
        // Reports: whoever sees the item, except its author
        // (docs/api-conventions.md#reports); dismissing them: the project's admins.
        (MemoryReport | CommentReport | MemoryDismiss | CommentDismiss, Author) => 403,
        (MemoryReport | CommentReport | MemoryDismiss | CommentDismiss, Admin | Superuser) => 204,
        (MemoryReport | CommentReport, User | OtherAdmin) => {
            if published {
                204
            } else {
                404
            }
        }
        (PublishSite | PublishMemory, User | Author) => 403,
        (PublishSite | PublishMemory, OtherAdmin) => 403,
        (PublishSite | PublishMemory, Admin | Superuser) => 204,
        (SiteCreate, Admin | Superuser) => 201,
        (SiteCreate, _) => {
            if published {
                201
            } else {
                404
            }
        }
        (MemoryCreate | CommentCreate, Admin | Superuser | Author) => 201,
        (MemoryCreate | CommentCreate, _) => {
            if published {
                201
            } else {
                404
            }
        }
        (SitePatch | SiteLocalize, Author | Admin | Superuser) => 204,
        (SiteDelete, Admin | Superuser) => 204,
        // The creator sees their unpublished site but may not delete it
        // (docs/compatibility.md#only-admins-delete-sites).
        (SiteDelete, Author) => 403,
        (MemoryPatch | CommentPatch, Author) => 204,
        // Only authors edit; admins see unpublished content, so they get 403 there too.
        (MemoryPatch | CommentPatch, Admin | Superuser) => 403,
        (MemoryDelete | CommentDelete, Author | Admin | Superuser) => 204,
        (_, User | OtherAdmin) => hidden,
    }
}

/// The operation as the OpenAPI document names it: method and path template.
fn documented_as(op: Op) -> (&'static str, &'static str) {
    const SITE: &str = "/projects/{project}/sites/{site}";
    const MEMORY: &str = "/projects/{project}/sites/{site}/memories/{memory}";
    const COMMENT: &str = "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}";
    match op {
        SiteCreate => ("post", "/projects/{project}/sites"),
        SitePatch => ("patch", SITE),
        SiteDelete => ("delete", SITE),
        SiteLocalize => ("put", "/projects/{project}/sites/{site}/localize"),
        MemoryCreate => ("post", "/projects/{project}/sites/{site}/memories"),
        MemoryPatch => ("patch", MEMORY),
        MemoryDelete => ("delete", MEMORY),
        CommentCreate => (
            "post",
            "/projects/{project}/sites/{site}/memories/{memory}/comments",
        ),
        CommentPatch => ("patch", COMMENT),
        CommentDelete => ("delete", COMMENT),
        PublishSite | PublishMemory => ("post", "/admin/publish"),
        MemoryReport => (
            "post",
            "/projects/{project}/sites/{site}/memories/{memory}/report",
        ),
        CommentReport => (
            "post",
            "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}/report",
        ),
        MemoryDismiss => (
            "delete",
            "/projects/{project}/sites/{site}/memories/{memory}/reports",
        ),
        CommentDismiss => (
            "delete",
            "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}/reports",
        ),
        Queue => ("get", "/projects/{project}/moderation"),
        Log => ("get", "/projects/{project}/moderation/log"),
    }
}

struct Tokens {
    user: String,
    author: (i32, String),
    admin: (i32, String),
    other_admin: String,
    superuser: String,
}

async fn run(app: &TestApp, t: &Tokens, op: Op, caller: Caller, published: bool) -> u16 {
    let author = t.author.0;
    let admins = [t.admin.0];
    // The target (or the parent of a create) has the state under test; the rest is public.
    let p = project(
        app,
        ProjectOpts {
            unpublished: matches!(op, SiteCreate | Queue | Log) && !published,
            ..Default::default()
        },
        &admins,
    )
    .await;
    let site_published = !matches!(
        op,
        SitePatch | SiteDelete | SiteLocalize | MemoryCreate | PublishSite
    ) || published;
    let s = site(app, &p, site_published, Some(author)).await;
    let memory_published = !matches!(
        op,
        MemoryPatch | MemoryDelete | CommentCreate | PublishMemory | MemoryReport | MemoryDismiss
    ) || published;
    let m = memory(app, &s, Some(author), memory_published).await;
    let comment_published = !matches!(
        op,
        CommentPatch | CommentDelete | CommentReport | CommentDismiss
    ) || published;
    let c = comment(app, m, author, comment_published).await;
    let token = match caller {
        Anonymous => None,
        User => Some(t.user.as_str()),
        Author => Some(t.author.1.as_str()),
        Admin => Some(t.admin.1.as_str()),
        OtherAdmin => Some(t.other_admin.as_str()),
        Superuser => Some(t.superuser.as_str()),
    };
    let new_site = json!({"id": unique("s"), "info": {"lang": "fi", "name": "x"},
                          "location": {"lat": 1, "lon": 2}});
    let (method, path, body) = match op {
        SiteCreate => (Method::POST, sites_path(&p), Some(new_site)),
        SitePatch => (
            Method::PATCH,
            site_path(&p, &s),
            Some(json!({"location": {"lat": 3, "lon": 4}})),
        ),
        SiteDelete => (Method::DELETE, site_path(&p, &s), None),
        SiteLocalize => (
            Method::PUT,
            format!("{}/localize", site_path(&p, &s)),
            Some(json!({"lang": "en", "name": "x"})),
        ),
        MemoryCreate => (
            Method::POST,
            memories_path(&p, &s),
            Some(json!({"title": "t"})),
        ),
        MemoryPatch => (
            Method::PATCH,
            memory_path(&p, &s, m),
            Some(json!({"title": "t"})),
        ),
        MemoryDelete => (Method::DELETE, memory_path(&p, &s, m), None),
        CommentCreate => (
            Method::POST,
            comments_path(&p, &s, m),
            Some(json!({"comment": "c"})),
        ),
        CommentPatch => (
            Method::PATCH,
            comment_path(&p, &s, m, c),
            Some(json!({"comment": "c"})),
        ),
        CommentDelete => (Method::DELETE, comment_path(&p, &s, m, c), None),
        PublishSite => (
            Method::POST,
            "/admin/publish".to_string(),
            Some(
                json!({"type": "site", "identifier": s, "parents": {"project": p},
                        "publish": !published}),
            ),
        ),
        PublishMemory => (
            Method::POST,
            "/admin/publish".to_string(),
            Some(
                json!({"type": "memory", "identifier": m, "parents": {"project": p, "site": s},
                        "publish": !published}),
            ),
        ),
        MemoryReport => (
            Method::POST,
            format!("{}/report", memory_path(&p, &s, m)),
            None,
        ),
        CommentReport => (
            Method::POST,
            format!("{}/report", comment_path(&p, &s, m, c)),
            Some(json!({"reason": "r"})),
        ),
        MemoryDismiss => (
            Method::DELETE,
            format!("{}/reports", memory_path(&p, &s, m)),
            None,
        ),
        CommentDismiss => (
            Method::DELETE,
            format!("{}/reports", comment_path(&p, &s, m, c)),
            None,
        ),
        Queue => (
            Method::GET,
            format!("/projects/{p}/moderation?kind=memory&state=reported"),
            None,
        ),
        Log => (Method::GET, format!("/projects/{p}/moderation/log"), None),
    };
    app.send(method, &path, token, body).await.status.as_u16()
}

#[tokio::test]
async fn access_matrix() {
    let app = TestApp::spawn().await;
    let (_, _, user) = app.user("xuser").await;
    let (author_id, _, author) = app.user("xauth").await;
    let (admin_id, _, admin) = app.user("xadm").await;
    let (other_id, _, other_admin) = app.user("xoth").await;
    published_project(&app, &[other_id]).await;
    let (_, _, superuser) = app.superuser().await;
    let t = Tokens {
        user,
        author: (author_id, author),
        admin: (admin_id, admin),
        other_admin,
        superuser,
    };
    // Every status of the matrix must be one the OpenAPI document lists for the operation.
    let doc = app.get("/openapi.json", None).await.json();
    let mut failures = Vec::new();
    let mut cells = 0;
    for op in OPS {
        for caller in CALLERS {
            for published in [true, false] {
                let want = expected(op, caller, published);
                let got = run(&app, &t, op, caller, published).await;
                cells += 1;
                let (method, path) = documented_as(op);
                if doc["paths"][path][method]["responses"][got.to_string()].is_null() {
                    failures.push(format!(
                        "{op:?}: {got} is not documented for {method} {path}"
                    ));
                }
                if got != want {
                    failures.push(format!(
                        "{op:?} by {caller:?} on {} target: got {got}, want {want}",
                        if published {
                            "published"
                        } else {
                            "unpublished"
                        }
                    ));
                }
            }
        }
    }
    assert_eq!(cells, 216);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
