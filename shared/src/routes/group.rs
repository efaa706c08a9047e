//! The resource groups (one Lambda function each), their names and their rows of the
//! route table.

use axum::http::Method;

use super::table;

/// The resource groups, one Lambda function each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Common,
    Projects,
    Sites,
    Memories,
    Comments,
    Admin,
    Images,
    Login,
    Me,
}

impl Group {
    pub const ALL: &'static [Group] = &[
        Group::Common,
        Group::Projects,
        Group::Sites,
        Group::Memories,
        Group::Comments,
        Group::Admin,
        Group::Images,
        Group::Login,
        Group::Me,
    ];
}

/// Names and route table shared with `template.yaml`, `events/` and the packaging tests.
impl Group {
    /// The group's name: its Lambda binary (`functions/<name>`, the template's
    /// `BuildProperties.Binary`) and its `events/<name>/` folder. Derived from the variant,
    /// so a group added to the enum gets its name without an edit here.
    pub fn name(self) -> String {
        format!("{self:?}").to_ascii_lowercase()
    }

    /// The group called `name`, if this build has it.
    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL.iter().copied().find(|g| g.name() == name)
    }

    /// The `(method, path)` routes this group's router serves, in axum's path syntax
    /// (which is also API Gateway's): the routes of [`table`] with its name.
    pub fn routes_table(self) -> &'static [(Method, &'static str)] {
        table::routes_of(&self.name())
    }
}
