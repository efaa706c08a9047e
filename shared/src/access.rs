//! Who may see and change what: the access rules of the API in one place, as pure
//! functions over facts the repositories read in the request's transaction
//! (docs/api-conventions.md#access, docs/compatibility.md#privileges-are-read-on-every-request).
//! Nothing here touches the database, so every rule is tested on its own below.

use chrono::NaiveDateTime;

use crate::error::ApiError;

/// Who is asking, as the rules need it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Viewer {
    pub user_id: Option<i32>,
    pub superuser: bool,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self::default()
    }
    /// Whether the viewer is the user `user_id` (an author, a creator); never for anonymous.
    pub fn is(&self, user_id: Option<i32>) -> bool {
        self.user_id.is_some() && self.user_id == user_id
    }
}

/// A project as the access checks see it, for the caller.
#[derive(Clone, Debug)]
pub struct ProjectAccess {
    pub id: i32,
    /// Canonical name as stored (the URL may differ in case).
    pub name: String,
    pub published: bool,
    /// Caller has a `project_admins` row now, or is a superuser
    /// (docs/compatibility.md#superusers-are-admins-of-every-project).
    pub admin: bool,
    pub has_default_info: bool,
    pub started: bool,
    pub admin_posting: bool,
    pub default_language_id: i32,
    pub starts: Option<NaiveDateTime>,
    pub ends: Option<NaiveDateTime>,
    pub image_id: Option<i32>,
}

impl ProjectAccess {
    /// May the caller see this project at all? Unpublished and not-yet-started projects
    /// are visible to its admins only.
    pub fn visible(&self) -> bool {
        self.admin || (self.published && self.started)
    }
}

/// A site as the access checks see it.
#[derive(Clone, Debug)]
pub struct SiteAccess {
    pub id: i32,
    /// Canonical name as stored.
    pub name: String,
    pub published: bool,
    pub creator_id: Option<i32>,
    pub image_id: Option<i32>,
}

impl SiteAccess {
    pub fn is_creator(&self, viewer: Viewer) -> bool {
        viewer.user_id.is_some() && self.creator_id == viewer.user_id
    }
    /// Published sites are public; unpublished ones are seen by their creator and the
    /// project's admins and superusers
    /// (docs/compatibility.md#unpublished-sites-belong-to-their-creator,
    /// docs/compatibility.md#superusers-are-admins-of-every-project).
    pub fn visible(&self, project: &ProjectAccess, viewer: Viewer) -> bool {
        self.published || project.admin || self.is_creator(viewer)
    }
}

/// A memory as the access checks see it.
#[derive(Clone, Debug)]
pub struct MemoryAccess {
    pub id: i32,
    pub published: bool,
    pub user_id: Option<i32>,
    pub deleted: bool,
    pub image_id: Option<i32>,
}

impl MemoryAccess {
    pub fn is_author(&self, viewer: Viewer) -> bool {
        viewer.is(self.user_id)
    }
    pub fn visible(&self, project: &ProjectAccess, viewer: Viewer) -> bool {
        self.published || project.admin || self.is_author(viewer)
    }
}

/// A comment as the access checks see it.
#[derive(Clone, Debug)]
pub struct CommentAccess {
    pub id: i32,
    pub published: bool,
    pub user_id: Option<i32>,
}

impl CommentAccess {
    pub fn is_author(&self, viewer: Viewer) -> bool {
        viewer.is(self.user_id)
    }
    pub fn visible(&self, project: &ProjectAccess, viewer: Viewer) -> bool {
        self.published || project.admin || self.is_author(viewer)
    }
}

impl ProjectAccess {
    /// The privilege of changing the project, its admins and its localisations: its admins
    /// and superusers. Anyone else gets 403, or 404 while the project is unpublished
    /// (its existence is not theirs to know).
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match (self.admin, self.published) {
            (true, _) => Ok(()),
            (false, true) => Err(ApiError::no_privileges()),
            (false, false) => Err(ApiError::not_found("Project")),
        }
    }
}

impl ProjectAccess {
    /// The privilege of moderating the project (its queue, its trail, dismissing reports):
    /// its admins and superusers. Anyone else gets the `404` of an unpublished project's
    /// hidden parts, whether the project is published or not, so the answer tells them
    /// nothing (docs/api-conventions.md#moderation-queue).
    pub fn require_moderator(&self) -> Result<(), ApiError> {
        if self.admin {
            Ok(())
        } else {
            Err(ApiError::not_found("Project"))
        }
    }
}

impl SiteAccess {
    /// The privilege of changing and localising a site: the site's creator, the project's
    /// admins and superusers; in an admin-posting project only the admins
    /// (docs/compatibility.md#localising-a-site-needs-the-right-to-edit-it).
    pub fn require_editor(&self, project: &ProjectAccess, viewer: Viewer) -> Result<(), ApiError> {
        if !(project.admin || self.is_creator(viewer)) {
            return Err(ApiError::no_privileges());
        }
        if project.admin_posting && !project.admin {
            return Err(ApiError::forbidden("Admin posting only"));
        }
        Ok(())
    }
}

/// One level of a nested path (project, site, memory, comment) as found for the caller:
/// `None` when it does not exist, else whether the caller may see it.
#[derive(Clone, Copy, Debug)]
pub struct Level {
    /// What the 404 names ("Project", "Site", …).
    pub what: &'static str,
    pub seen: Option<bool>,
}

impl Level {
    pub fn new(what: &'static str, seen: Option<bool>) -> Self {
        Self { what, seen }
    }
}

/// The rule of reaching a resource under its parents: the first level that does not exist
/// is a 404 naming it; a hidden parent is a 404 too, unless `bypass` (the resource's own
/// author or the project's admins may reach it under hidden parents); the resource itself
/// must be visible. Parents are judged in order, so nothing leaks about deeper levels.
pub fn reach(parents: &[Level], target: Level, bypass: bool) -> Result<(), ApiError> {
    for level in parents {
        match level.seen {
            None => return Err(ApiError::not_found(level.what)),
            Some(false) if !bypass => return Err(ApiError::not_found(level.what)),
            Some(_) => {}
        }
    }
    match target.seen {
        Some(true) => Ok(()),
        _ => Err(ApiError::not_found(target.what)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(admin: bool, published: bool, started: bool) -> ProjectAccess {
        ProjectAccess {
            id: 1,
            name: "p".into(),
            published,
            admin,
            has_default_info: true,
            started,
            admin_posting: false,
            default_language_id: 1,
            starts: None,
            ends: None,
            image_id: None,
        }
    }

    fn site(published: bool, creator: Option<i32>) -> SiteAccess {
        SiteAccess {
            id: 2,
            name: "s".into(),
            published,
            creator_id: creator,
            image_id: None,
        }
    }

    fn user(id: i32) -> Viewer {
        Viewer {
            user_id: Some(id),
            superuser: false,
        }
    }

    fn not_found(r: Result<(), ApiError>) -> String {
        match r {
            Err(ApiError::NotFound(m)) => m,
            other => panic!("expected a 404, got {other:?}"),
        }
    }

    #[test]
    fn projects_are_seen_when_published_and_started_or_by_admins() {
        assert!(project(false, true, true).visible());
        assert!(!project(false, false, true).visible());
        assert!(!project(false, true, false).visible());
        assert!(project(true, false, false).visible());
    }

    #[test]
    fn project_admin_rule_hides_unpublished_projects() {
        assert!(project(true, false, true).require_admin().is_ok());
        assert!(matches!(
            project(false, true, true).require_admin(),
            Err(ApiError::Forbidden(..))
        ));
        assert_eq!(
            not_found(project(false, false, true).require_admin()),
            "Project not found"
        );
    }

    #[test]
    fn only_admins_moderate_and_others_learn_nothing() {
        assert!(project(true, false, false).require_moderator().is_ok());
        assert!(project(true, true, true).require_moderator().is_ok());
        for (published, started) in [(true, true), (false, true), (true, false)] {
            assert_eq!(
                not_found(project(false, published, started).require_moderator()),
                "Project not found"
            );
        }
    }

    #[test]
    fn unpublished_sites_belong_to_their_creator_and_the_admins() {
        let p = project(false, true, true);
        let s = site(false, Some(7));
        assert!(s.visible(&p, user(7)));
        assert!(!s.visible(&p, user(8)));
        assert!(!s.visible(&p, Viewer::anonymous()));
        assert!(s.visible(&project(true, true, true), user(8)));
        // Anonymous is never the creator, even of a site without one.
        assert!(!site(false, None).visible(&p, Viewer::anonymous()));
    }

    #[test]
    fn site_editors_are_creator_and_admins_except_in_admin_posting_projects() {
        let mut p = project(false, true, true);
        let s = site(true, Some(7));
        assert!(s.require_editor(&p, user(7)).is_ok());
        assert!(matches!(
            s.require_editor(&p, user(8)),
            Err(ApiError::Forbidden(m, _)) if m == "Not enough privileges"
        ));
        p.admin_posting = true;
        assert!(matches!(
            s.require_editor(&p, user(7)),
            Err(ApiError::Forbidden(m, _)) if m == "Admin posting only"
        ));
        p.admin = true;
        assert!(s.require_editor(&p, user(8)).is_ok());
    }

    #[test]
    fn authors_see_their_own_unpublished_memories_and_comments() {
        let p = project(false, true, true);
        let m = MemoryAccess {
            id: 3,
            published: false,
            user_id: Some(7),
            deleted: false,
            image_id: None,
        };
        assert!(m.visible(&p, user(7)));
        assert!(!m.visible(&p, user(8)));
        let c = CommentAccess {
            id: 4,
            published: false,
            user_id: Some(7),
        };
        assert!(c.visible(&p, user(7)));
        assert!(!c.visible(&p, Viewer::anonymous()));
        assert!(c.visible(&project(true, true, true), user(8)));
    }

    #[test]
    fn reaching_names_the_first_missing_or_hidden_level() {
        let seen = |what, s| Level::new(what, s);
        let target = seen("Memory", Some(true));
        assert!(reach(
            &[seen("Project", Some(true)), seen("Site", Some(true))],
            target,
            false
        )
        .is_ok());
        assert_eq!(
            not_found(reach(
                &[seen("Project", Some(true)), seen("Site", None)],
                target,
                true
            )),
            "Site not found"
        );
        // A hidden project is named before a missing site: nothing leaks about the site.
        assert_eq!(
            not_found(reach(
                &[seen("Project", Some(false)), seen("Site", None)],
                target,
                false
            )),
            "Project not found"
        );
        // The author (bypass) reaches their memory under a hidden site.
        assert!(reach(
            &[seen("Project", Some(true)), seen("Site", Some(false))],
            target,
            true
        )
        .is_ok());
        assert_eq!(
            not_found(reach(
                &[seen("Project", Some(true)), seen("Site", Some(false))],
                target,
                false
            )),
            "Site not found"
        );
        // The target itself must be visible, bypass or not.
        assert_eq!(
            not_found(reach(
                &[seen("Project", Some(true))],
                seen("Comment", Some(false)),
                true
            )),
            "Comment not found"
        );
        assert_eq!(
            not_found(reach(&[], seen("Comment", None), true)),
            "Comment not found"
        );
    }
}
