//! The paging parameters of a list, `limit` and `cursor`, and the cursor's encoding
//! (docs/api-conventions.md#pages).
//!
//! A cursor is the URL-safe base64 (no padding) of thirteen bytes: which kind of list it
//! pages (sites, memories, comments, one of the moderation queues), the internal id of the
//! list's scope (the project of a site list or a queue, the site of a memory list, the
//! memory of a comment list) and the last listed item's internal id (big-endian `i32` each), then a 32-bit check of all. The
//! check catches a cursor that was cut or edited by hand; it is not a seal (a cursor
//! carries nothing secret: any id it could name is only a place to resume).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use super::QueryMap;
use crate::error::ApiError;

/// Page size when `cursor` is given without `limit`.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest `limit`.
pub const MAX_LIMIT: u32 = 1000;

/// The kinds of paged list: a cursor of one is refused by the others, even when the
/// scope ids happen to be equal (site 5's memories, memory 5's comments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Sites = 1,
    Memories = 2,
    Comments = 3,
    /// The moderation queue of a project (docs/api-conventions.md#moderation-queue): one
    /// kind per item kind and state, so a cursor of one queue is refused by the others.
    WaitingSites = 4,
    WaitingMemories = 5,
    WaitingComments = 6,
    ReportedMemories = 7,
    ReportedComments = 8,
    /// A project's moderation trail (newest first: a cursor resumes before its id).
    ModerationLog = 9,
}

impl List {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Self::Sites),
            2 => Some(Self::Memories),
            3 => Some(Self::Comments),
            4 => Some(Self::WaitingSites),
            5 => Some(Self::WaitingMemories),
            6 => Some(Self::WaitingComments),
            7 => Some(Self::ReportedMemories),
            8 => Some(Self::ReportedComments),
            9 => Some(Self::ModerationLog),
            _ => None,
        }
    }
}

/// Whose list a cursor belongs to: its kind and the internal id of the project, site or
/// memory whose items it lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    pub list: List,
    pub id: i32,
}

impl Scope {
    /// The sites of project `project_id`.
    pub fn sites(project_id: i32) -> Self {
        Self {
            list: List::Sites,
            id: project_id,
        }
    }
    /// The memories of site `site_id`.
    pub fn memories(site_id: i32) -> Self {
        Self {
            list: List::Memories,
            id: site_id,
        }
    }
    /// The comments of memory `memory_id`.
    pub fn comments(memory_id: i32) -> Self {
        Self {
            list: List::Comments,
            id: memory_id,
        }
    }
    /// One moderation queue (`list`, a `Waiting…`/`Reported…` kind) of project `project_id`.
    pub fn queue(list: List, project_id: i32) -> Self {
        Self {
            list,
            id: project_id,
        }
    }
}

/// What a cursor says: whose list, and the item it resumes after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub scope: Scope,
    pub after_id: i32,
}

/// A list's `limit` and `cursor`, checked for form (the cursor's list is checked by
/// [`PageQuery::after`], once the list is known).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<Cursor>,
}

/// Bytes of an encoded cursor before its check.
const BODY: usize = 9;

fn check(bytes: &[u8]) -> u32 {
    // FNV-1a over a domain tag and the payload.
    b"muistot.cursor"
        .iter()
        .chain(bytes)
        .fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
        })
}

impl Cursor {
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(BODY + 4);
        bytes.push(self.scope.list as u8);
        bytes.extend_from_slice(&self.scope.id.to_be_bytes());
        bytes.extend_from_slice(&self.after_id.to_be_bytes());
        let sum = check(&bytes);
        bytes.extend_from_slice(&sum.to_be_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The cursor in `text`; `None` when it is not one this API wrote.
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
        let bytes: [u8; BODY + 4] = bytes.try_into().ok()?;
        let word = |i: usize| [bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]];
        if u32::from_be_bytes(word(BODY)) != check(&bytes[..BODY]) {
            return None;
        }
        Some(Self {
            scope: Scope {
                list: List::from_byte(bytes[0])?,
                id: i32::from_be_bytes(word(1)),
            },
            after_id: i32::from_be_bytes(word(5)),
        })
    }
}

fn bad_cursor(msg: &str) -> ApiError {
    ApiError::validation(&["query", "cursor"], msg, "value_error.cursor")
}

impl PageQuery {
    /// `limit` (an integer 1..=1000) and `cursor` from the query: each a 422 at its name.
    pub fn parse(query: &QueryMap) -> Result<Self, ApiError> {
        let limit = match query.i64_opt("limit")? {
            None => None,
            Some(n) => Some(
                u32::try_from(n)
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        ApiError::validation(
                            &["query", "limit"],
                            format!("limit must be between 1 and {MAX_LIMIT}"),
                            "value_error.number.not_in_range",
                        )
                    })?,
            ),
        };
        let cursor = query
            .get("cursor")
            .map(|c| Cursor::decode(c).ok_or_else(|| bad_cursor("invalid cursor")))
            .transpose()?;
        Ok(Self { limit, cursor })
    }

    /// Whether the caller asked for pages (then the answer always has `next`).
    pub fn paging(&self) -> bool {
        self.limit.is_some() || self.cursor.is_some()
    }

    /// How many items a page holds: `None` (the whole list, capped by size) unless paging.
    pub fn size(&self) -> Option<u32> {
        self.paging().then(|| self.limit.unwrap_or(DEFAULT_LIMIT))
    }

    /// The item id the list of `scope` resumes after; a cursor of another list (another
    /// project's sites, site's memories or memory's comments, or another kind of list)
    /// is a 422.
    pub fn after(&self, scope: Scope) -> Result<Option<i32>, ApiError> {
        match self.cursor {
            None => Ok(None),
            Some(c) if c.scope == scope => Ok(Some(c.after_id)),
            Some(_) => Err(bad_cursor("cursor of another list")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> QueryMap {
        QueryMap(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn loc(e: ApiError) -> Vec<String> {
        match e {
            ApiError::Validation(v) => v[0].loc.clone(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn a_cursor_round_trips_and_is_url_safe() {
        let scopes = [
            Scope::sites(1),
            Scope::memories(0),
            Scope::comments(i32::MAX),
            Scope::sites(-5),
        ];
        for (scope, a) in scopes.into_iter().zip([2, 0, i32::MIN, 7_000_000]) {
            let c = Cursor { scope, after_id: a };
            let text = c.encode();
            assert_eq!(text.len(), 18);
            assert!(text
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'));
            assert_eq!(Cursor::decode(&text), Some(c));
        }
    }

    #[test]
    fn an_edited_or_cut_cursor_is_refused() {
        let text = Cursor {
            scope: Scope::memories(3),
            after_id: 41,
        }
        .encode();
        let mut chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            let old = chars[i];
            chars[i] = if old == 'A' { 'B' } else { 'A' };
            let edited: String = chars.iter().collect();
            assert_eq!(Cursor::decode(&edited), None, "{edited}");
            chars[i] = old;
        }
        assert_eq!(Cursor::decode(&text[..16]), None);
        assert_eq!(Cursor::decode(""), None);
        assert_eq!(Cursor::decode("not base64!"), None);
    }

    #[test]
    fn limit_and_cursor_are_checked() {
        let q = PageQuery::parse(&query(&[])).unwrap();
        assert!(!q.paging());
        assert_eq!(q.size(), None);
        let c = Cursor {
            scope: Scope::memories(9),
            after_id: 4,
        };
        let q = PageQuery::parse(&query(&[("cursor", &c.encode())])).unwrap();
        assert_eq!(q.size(), Some(DEFAULT_LIMIT));
        assert_eq!(q.after(Scope::memories(9)).unwrap(), Some(4));
        for other in [
            Scope::memories(10),
            Scope::comments(9),
            Scope::sites(9),
            Scope::queue(List::WaitingMemories, 9),
        ] {
            assert_eq!(loc(q.after(other).unwrap_err()), ["query", "cursor"]);
        }
        let q = PageQuery::parse(&query(&[("limit", "1000")])).unwrap();
        assert_eq!(q.size(), Some(1000));
        for bad in ["0", "1001", "-1", "x", "1.5"] {
            let e = PageQuery::parse(&query(&[("limit", bad)])).unwrap_err();
            assert_eq!(loc(e), ["query", "limit"], "{bad}");
        }
        let e = PageQuery::parse(&query(&[("cursor", "AAAA")])).unwrap_err();
        assert_eq!(loc(e), ["query", "cursor"]);
    }
}
