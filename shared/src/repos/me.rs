//! The caller's own account and personal data (`/me`).

use chrono::{NaiveDate, NaiveDateTime};
use mysql_async::{prelude::*, Params, Value};
use serde::Serialize;

use crate::{
    db::{codes, server_code},
    error::ApiError,
};

/// The caller's account and personal data; absent values are omitted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"username": "Matti", "email": "matti@example.com", "country": "FI", "birth_date": "1970-01-31", "modified_at": "2022-04-05T13:36:33"}))]
#[serde(deny_unknown_fields)]
pub struct UserData {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::repos::me::ser_date"
    )]
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<NaiveDate>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::repos::me::ser_datetime"
    )]
    /// Last change of the personal data: ISO 8601 without zone
    #[schema(value_type = Option<String>, example = "2022-04-05T13:36:33")]
    pub modified_at: Option<NaiveDateTime>,
}

pub fn ser_date<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.format("%Y-%m-%d").to_string()),
        None => s.serialize_none(),
    }
}

pub fn ser_datetime<S: serde::Serializer>(
    d: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.format("%Y-%m-%dT%H:%M:%S").to_string()),
        None => s.serialize_none(),
    }
}

type DataRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
    Option<NaiveDateTime>,
);

pub async fn get(q: &mut impl Queryable, user_id: i32) -> Result<Option<UserData>, ApiError> {
    let row: Option<DataRow> = q
        .exec_first(
            "SELECT u.username, u.email, p.first_name, p.last_name, p.country, p.city, \
                    p.birth_date, p.modified_at \
             FROM users u LEFT JOIN user_personal_data p ON p.user_id = u.id WHERE u.id = ?",
            (user_id,),
        )
        .await?;
    Ok(row.map(
        |(username, email, first_name, last_name, country, city, birth_date, modified_at)| {
            UserData {
                username,
                email,
                first_name,
                last_name,
                country,
                city,
                birth_date,
                modified_at,
            }
        },
    ))
}

/// A new value of a personal-data column: cleared, text, or a date.
#[derive(Clone, Debug, PartialEq)]
pub enum Personal {
    Clear,
    Text(String),
    Date(chrono::NaiveDate),
}

impl From<Personal> for Value {
    fn from(p: Personal) -> Self {
        match p {
            Personal::Clear => Value::NULL,
            Personal::Text(s) => Value::from(s),
            Personal::Date(d) => Value::from(d),
        }
    }
}

/// A personal-data column `PATCH /me` may set; the names are fixed here, values bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    FirstName,
    LastName,
    Country,
    City,
    BirthDate,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::FirstName => "first_name",
            Column::LastName => "last_name",
            Column::Country => "country",
            Column::City => "city",
            Column::BirthDate => "birth_date",
        }
    }
}

/// Sets only the given columns: unsent ones keep their value, `Personal::Clear` clears
/// (docs/compatibility.md#personal-data-changes-only-what-is-sent).
/// Creates the row when the user has none. Nothing to set is a no-op.
pub async fn patch(
    q: &mut impl Queryable,
    user_id: i32,
    changes: Vec<(Column, Personal)>,
) -> Result<(), ApiError> {
    if changes.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = changes.iter().map(|(c, _)| c.name()).collect();
    let sql = format!(
        "INSERT INTO user_personal_data (user_id, {cols}) VALUES (?{marks}) \
         ON DUPLICATE KEY UPDATE {updates}",
        cols = names.join(", "),
        marks = ", ?".repeat(names.len()),
        updates = names
            .iter()
            .map(|n| format!("{n} = VALUES({n})"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let mut params = vec![Value::from(user_id)];
    params.extend(changes.into_iter().map(|(_, v)| Value::from(v)));
    q.exec_drop(sql, Params::Positional(params)).await?;
    Ok(())
}

/// Outcome of changing a unique account field.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Changed,
    Unchanged,
    Taken,
}

/// `POST /me/email`: same address (collation) → unchanged; another account's → taken.
pub async fn set_email(
    q: &mut impl Queryable,
    user_id: i32,
    email: &str,
) -> Result<Change, ApiError> {
    let same: Option<Option<i64>> = q
        .exec_first("SELECT email = ? FROM users WHERE id = ?", (email, user_id))
        .await?;
    if same.flatten() == Some(1) {
        return Ok(Change::Unchanged);
    }
    if super::login::email_taken(q, email, Some(user_id)).await? {
        return Ok(Change::Taken);
    }
    update_unique(q, "UPDATE users SET email = ? WHERE id = ?", email, user_id).await
}

/// `POST /me/username`: exactly the same string → unchanged; a case/accent variant of
/// one's own name is a rename; another account's name → taken
/// (docs/compatibility.md#renaming-validates-the-name-and-returns-a-new-session).
pub async fn set_username(
    q: &mut impl Queryable,
    user_id: i32,
    current: &str,
    username: &str,
) -> Result<Change, ApiError> {
    if current == username {
        return Ok(Change::Unchanged);
    }
    if super::login::username_taken(q, username, Some(user_id)).await? {
        return Ok(Change::Taken);
    }
    update_unique(
        q,
        "UPDATE users SET username = ? WHERE id = ?",
        username,
        user_id,
    )
    .await
}

async fn update_unique(
    q: &mut impl Queryable,
    sql: &str,
    value: &str,
    user_id: i32,
) -> Result<Change, ApiError> {
    match q.exec_drop(sql, (value, user_id)).await {
        Ok(()) => Ok(Change::Changed),
        Err(e) if server_code(&e) == Some(codes::DUPLICATE_KEY) => Ok(Change::Taken),
        Err(e) => Err(e.into()),
    }
}

pub async fn set_password_hash(
    q: &mut impl Queryable,
    user_id: i32,
    hash: &str,
) -> Result<(), ApiError> {
    q.exec_drop(
        "UPDATE users SET password_hash = ? WHERE id = ?",
        (hash.as_bytes(), user_id),
    )
    .await?;
    Ok(())
}
