//! Reading lists: the `items` of a list response and embedded lists (a project's `sites`,
//! a site's `memories`, a memory's `comments`).

use serde_json::Value;

/// The `items` of a list response.
#[track_caller]
pub fn items(list: &Value) -> &Vec<Value> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list response has `items`: {list}"))
}

/// The `id`s of a list of objects, in order.
#[track_caller]
pub fn ids_of(objects: &Value) -> Vec<Value> {
    objects
        .as_array()
        .unwrap_or_else(|| panic!("a list: {objects}"))
        .iter()
        .map(|i| i["id"].clone())
        .collect()
}

/// `items[].id` of a list response.
#[track_caller]
pub fn ids(list: &Value) -> Vec<Value> {
    ids_of(&list["items"])
}

/// The item of a list response whose `id` is `id`, if it is listed.
#[track_caller]
pub fn find_item(list: &Value, id: impl Into<Value>) -> Option<&Value> {
    let id = id.into();
    items(list).iter().find(|i| i["id"] == id)
}
