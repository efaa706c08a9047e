//! Paths of the content API.

pub fn sites_path(project: &str) -> String {
    format!("/projects/{project}/sites")
}
pub fn site_path(project: &str, site: &str) -> String {
    format!("/projects/{project}/sites/{site}")
}
pub fn memories_path(project: &str, site: &str) -> String {
    format!("/projects/{project}/sites/{site}/memories")
}
pub fn memory_path(project: &str, site: &str, memory: i64) -> String {
    format!("/projects/{project}/sites/{site}/memories/{memory}")
}
pub fn comments_path(project: &str, site: &str, memory: i64) -> String {
    format!("/projects/{project}/sites/{site}/memories/{memory}/comments")
}
pub fn comment_path(project: &str, site: &str, memory: i64, comment: i64) -> String {
    format!("/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}")
}
