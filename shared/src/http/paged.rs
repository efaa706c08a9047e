//! The answer of a list read in pages: `{"items": [...], "next": …}` within the response
//! size cap, with a `Link: <…>; rel="next"` header when there is a next page
//! (docs/api-conventions.md#pages); or, for the site list, the same as a GeoJSON
//! `FeatureCollection` with `next` a foreign member (docs/api-conventions.md#geojson).

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use super::format::{Format, GEO_JSON};
use super::page::{Cursor, PageQuery, Scope};
use crate::error::ApiError;
use crate::models::geojson::COLLECTION_HEAD;

/// How the list was asked for, which decides the shape of the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Paged (`limit` or `cursor` given): `next` always, a cursor or null.
    Paged,
    /// The whole list (the original's shape `{"items"}`), unless it exceeds the cap: then
    /// the first page that fits, with `next`.
    Whole,
    /// A list that cannot resume (the nearest search): `{"items"}`, cut to the cap.
    Unresumable,
}

/// One page of a list: the items with their sort keys (the items' internal ids), and
/// whether the list goes on past them.
pub struct Page<T> {
    pub items: Vec<(i32, T)>,
    pub more: bool,
}

/// The built answer: the JSON body and, when there is a next page, the `Link` URL.
#[derive(Debug)]
pub struct PagedReply {
    body: Vec<u8>,
    link: Option<String>,
    content_type: &'static str,
}

impl PagedReply {
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// A list's items serialised as they are read, so that a reader can stop once the cap is
/// passed.
#[derive(Default)]
pub struct Collected {
    keys: Vec<i32>,
    parts: Vec<Vec<u8>>,
    /// The bytes of the items so far with their separating commas.
    bytes: usize,
}

impl Collected {
    pub fn push<T: Serialize>(&mut self, key: i32, item: &T) -> Result<(), ApiError> {
        let part = serde_json::to_vec(item)
            .map_err(|e| ApiError::internal(format!("list item as JSON: {e}")))?;
        self.bytes += part.len() + usize::from(!self.parts.is_empty());
        self.keys.push(key);
        self.parts.push(part);
        Ok(())
    }

    /// Whether the items so far alone are more than `cap` bytes.
    pub fn exceeds(&self, cap: usize) -> bool {
        self.bytes > cap
    }

    /// The sort key of the last item.
    pub fn last_key(&self) -> Option<i32> {
        self.keys.last().copied()
    }
}

/// Reads a page, or the whole list in chunks until it ends or passes the cap:
/// `while c.wants_more() { read c.take() items after c.after(); c.add(items, more)? }`,
/// then [`Chunks::done`] for [`finish`] / [`finish_in`].
pub struct Chunks {
    shape: Shape,
    take: u32,
    cap: usize,
    after: Option<i32>,
    collected: Collected,
    more: bool,
    wants_more: bool,
}

impl Chunks {
    /// A page of `page`'s size, or the whole list in chunks of `chunk`, after `after`.
    pub fn new(page: &PageQuery, chunk: u32, cap: usize, after: Option<i32>) -> Self {
        let (shape, take) = match page.size() {
            Some(n) => (Shape::Paged, n),
            None => (Shape::Whole, chunk),
        };
        Self {
            shape,
            take,
            cap,
            after,
            collected: Collected::default(),
            more: false,
            wants_more: true,
        }
    }
    pub fn wants_more(&self) -> bool {
        self.wants_more
    }
    /// How many items the next read asks for.
    pub fn take(&self) -> u32 {
        self.take
    }
    /// The sort key the next read starts after.
    pub fn after(&self) -> Option<i32> {
        self.after
    }
    /// Adds one read (`items` by sort key; `more`: the list goes on past them).
    pub fn add<T: Serialize>(&mut self, items: &[(i32, T)], more: bool) -> Result<(), ApiError> {
        for (key, item) in items {
            self.collected.push(*key, item)?;
        }
        self.more = more;
        self.after = self.collected.last_key();
        self.wants_more = self.shape == Shape::Whole && more && !self.collected.exceeds(self.cap);
        Ok(())
    }
    /// The items, whether the list goes on past them, and the answer's shape.
    pub fn done(self) -> (Collected, bool, Shape) {
        (self.collected, self.more, self.shape)
    }
}

/// Builds the answer of `page` (see [`finish`]).
pub fn build<T: Serialize>(
    page: Page<T>,
    shape: Shape,
    cap: usize,
    scope: Scope,
    link: impl FnOnce(&str) -> String,
) -> Result<PagedReply, ApiError> {
    build_in(Format::Json, page, shape, cap, scope, link)
}

/// [`build`] in `format`: the items are given as they appear in it (features for
/// GeoJSON).
pub fn build_in<T: Serialize>(
    format: Format,
    page: Page<T>,
    shape: Shape,
    cap: usize,
    scope: Scope,
    link: impl FnOnce(&str) -> String,
) -> Result<PagedReply, ApiError> {
    let mut collected = Collected::default();
    for (key, item) in &page.items {
        collected.push(*key, item)?;
    }
    finish_in(format, collected, page.more, shape, cap, scope, link)
}

/// Builds the answer: as many of the items as fit in `cap` bytes (at least one), the
/// cursor after the last one given when the list goes on (`more`: past these items), and
/// `link(cursor)` for the header. The cursor is bound to `scope`, the list it pages.
pub fn finish(
    collected: Collected,
    more: bool,
    shape: Shape,
    cap: usize,
    scope: Scope,
    link: impl FnOnce(&str) -> String,
) -> Result<PagedReply, ApiError> {
    finish_in(Format::Json, collected, more, shape, cap, scope, link)
}

/// [`finish`] in `format`: `{"items": […]}`, or `{"type": "FeatureCollection",
/// "features": […]}` for GeoJSON, `next` alike in both.
pub fn finish_in(
    format: Format,
    collected: Collected,
    more: bool,
    shape: Shape,
    cap: usize,
    scope: Scope,
    link: impl FnOnce(&str) -> String,
) -> Result<PagedReply, ApiError> {
    let (head, content_type): (&[u8], _) = match format {
        Format::Json => (b"{\"items\":[", "application/json"),
        Format::GeoJson => (COLLECTION_HEAD, GEO_JSON),
    };
    let Collected { keys, parts, bytes } = collected;
    let cursor_at = |i: usize| {
        Cursor {
            scope,
            after_id: keys[i],
        }
        .encode()
    };
    const CLOSE: usize = 2;
    let next_len = |cursor: Option<usize>| match cursor {
        Some(n) => ",\"next\":\"\"".len() + n,
        None => ",\"next\":null".len(),
    };
    let cursor_len = Cursor { scope, after_id: 0 }.encode().len();
    let whole_len = head.len()
        + bytes
        + CLOSE
        + match (shape, more) {
            (Shape::Paged, false) => next_len(None),
            (Shape::Paged, true) => next_len(Some(cursor_len)),
            _ => 0,
        };
    let (count, next) = if whole_len <= cap || parts.is_empty() {
        let next = (shape == Shape::Paged && more && !parts.is_empty())
            .then(|| cursor_at(parts.len() - 1));
        (parts.len(), next)
    } else {
        let tail = if shape == Shape::Unresumable {
            0
        } else {
            next_len(Some(cursor_len))
        };
        // The longest prefix that fits, at least one item.
        let mut count = 1;
        let mut used = head.len() + parts[0].len() + CLOSE + tail;
        while count < parts.len() && used + 1 + parts[count].len() <= cap {
            used += 1 + parts[count].len();
            count += 1;
        }
        // Only a single item larger than the cap can be the whole rest of the list here.
        let goes_on = count < parts.len() || more;
        let next = (shape != Shape::Unresumable && goes_on).then(|| cursor_at(count - 1));
        (count, next)
    };
    let mut body = Vec::with_capacity(whole_len.min(cap) + 64);
    body.extend_from_slice(head);
    for (i, part) in parts[..count].iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(part);
    }
    body.push(b']');
    match (&next, shape) {
        (Some(c), _) => {
            body.extend_from_slice(b",\"next\":\"");
            body.extend_from_slice(c.as_bytes());
            body.push(b'"');
        }
        (None, Shape::Paged) => body.extend_from_slice(b",\"next\":null"),
        (None, _) => {}
    }
    body.push(b'}');
    Ok(PagedReply {
        link: next.as_deref().map(link),
        body,
        content_type,
    })
}

impl IntoResponse for PagedReply {
    fn into_response(self) -> Response {
        let mut r = (StatusCode::OK, self.body).into_response();
        let headers = r.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if let Some(v) = self
            .link
            .and_then(|url| HeaderValue::from_str(&format!("<{url}>; rel=\"next\"")).ok())
        {
            headers.insert(header::LINK, v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn page(n: i32, more: bool) -> Page<Value> {
        Page {
            items: (1..=n).map(|i| (i * 10, json!({"id": i}))).collect(),
            more,
        }
    }

    fn parsed(r: &PagedReply) -> Value {
        serde_json::from_slice(r.body()).unwrap()
    }

    fn next_after(v: &Value) -> Option<i32> {
        v["next"]
            .as_str()
            .map(|c| Cursor::decode(c).unwrap().after_id)
    }

    #[test]
    fn the_whole_list_keeps_the_original_shape() {
        let r = build(page(3, false), Shape::Whole, 1000, Scope::sites(1), |c| {
            c.into()
        })
        .unwrap();
        assert_eq!(
            parsed(&r),
            json!({"items": [{"id": 1}, {"id": 2}, {"id": 3}]})
        );
        assert!(r.link.is_none());
        let r = build(page(0, false), Shape::Whole, 1000, Scope::sites(1), |c| {
            c.into()
        })
        .unwrap();
        assert_eq!(parsed(&r), json!({"items": []}));
    }

    #[test]
    fn a_page_always_has_next() {
        let r = build(page(2, false), Shape::Paged, 1000, Scope::sites(1), |c| {
            c.into()
        })
        .unwrap();
        assert_eq!(
            parsed(&r),
            json!({"items": [{"id": 1}, {"id": 2}], "next": null})
        );
        let r = build(page(2, true), Shape::Paged, 1000, Scope::sites(7), |c| {
            format!("u?{c}")
        })
        .unwrap();
        let v = parsed(&r);
        assert_eq!(next_after(&v), Some(20));
        assert_eq!(
            Cursor::decode(v["next"].as_str().unwrap()).unwrap().scope,
            Scope::sites(7)
        );
        assert_eq!(
            r.link.unwrap(),
            format!("u?{}", v["next"].as_str().unwrap())
        );
    }

    #[test]
    fn past_the_cap_the_first_page_that_fits() {
        for cap in [1, 40, 60, 80, 100, 200] {
            for shape in [Shape::Whole, Shape::Paged] {
                let r = build(page(20, false), shape, cap, Scope::sites(1), |c| c.into()).unwrap();
                let v = parsed(&r);
                let n = v["items"].as_array().unwrap().len();
                assert!(n >= 1);
                assert!(r.body().len() <= cap || n == 1, "{cap} {}", r.body().len());
                assert_eq!(next_after(&v), Some(n as i32 * 10), "{cap}");
                // The largest page that fits: one more item would not.
                let more = build(
                    page(n as i32 + 1, true),
                    Shape::Paged,
                    usize::MAX,
                    Scope::sites(1),
                    |c| c.into(),
                )
                .unwrap();
                assert!(more.body().len() > cap, "{cap}");
            }
        }
        // Nothing to cut, or one item larger than the cap: no next page to name.
        for shape in [Shape::Whole, Shape::Paged, Shape::Unresumable] {
            let r = build(page(0, false), shape, 0, Scope::sites(1), |c| c.into()).unwrap();
            assert_eq!(parsed(&r)["items"], json!([]));
            let r = build(page(1, false), shape, 5, Scope::sites(1), |c| c.into()).unwrap();
            let v = parsed(&r);
            assert_eq!(v["items"], json!([{"id": 1}]));
            assert!(v.get("next").is_none_or(Value::is_null) && r.link.is_none());
        }
        let r = build(page(1, true), Shape::Paged, 5, Scope::sites(1), |c| {
            c.into()
        })
        .unwrap();
        assert_eq!(next_after(&parsed(&r)), Some(10));
        let r = build(
            page(20, false),
            Shape::Unresumable,
            60,
            Scope::sites(1),
            |c| c.into(),
        )
        .unwrap();
        let v = parsed(&r);
        assert!(v.get("next").is_none() && r.body().len() <= 60);
    }
}
