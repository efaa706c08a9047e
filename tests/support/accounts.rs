//! Users and their sessions: users inserted directly into the database, session tokens
//! stored the way login stores them, and password login through the API.

use std::time::Duration;

use muistot::sessions::{token, RedisSessionStore, SessionData, SessionStore};
use mysql_async::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use super::{
    app::TestApp,
    http::Resp,
    names::{new_email, unique, unique_name},
};

/// The Redis server tests keep sessions in.
pub fn redis_url() -> String {
    std::env::var("MUISTOT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// A session store on the test Redis whose sessions last `lifetime_secs` (sliding).
pub async fn redis_store(lifetime_secs: u64) -> RedisSessionStore {
    RedisSessionStore::connect(&redis_url(), lifetime_secs, Duration::from_secs(5))
        .await
        .unwrap()
}

/// A new session of `username` in `store`: the token a client sends for it.
pub async fn token_for(store: &dyn SessionStore, username: &str) -> String {
    let key = store
        .create(&SessionData::for_user(username))
        .await
        .expect("session");
    token::encode(&key)
}

impl TestApp {
    /// Inserts a verified user; returns its id.
    pub async fn create_user(&self, username: &str) -> i32 {
        let mut c = self.db().await;
        let email = format!("{}@example.com", username.replace(['#', ' '], "_"));
        c.exec_first(
            "INSERT INTO users (username, email, verified) VALUES (?, ?, 1) RETURNING id",
            (username, email),
        )
        .await
        .unwrap()
        .unwrap()
    }

    /// Inserts a user with a bcrypt password (cost 4); returns its id.
    pub async fn create_user_with_password(
        &self,
        username: &str,
        email: &str,
        password: &str,
        verified: bool,
    ) -> i32 {
        let hash = muistot::passwords::hash(password.to_string(), 4)
            .await
            .unwrap();
        let mut c = self.db().await;
        c.exec_first(
            "INSERT INTO users (username, email, password_hash, verified) VALUES (?, ?, ?, ?) \
             RETURNING id",
            (username, email, hash.as_bytes(), verified),
        )
        .await
        .unwrap()
        .unwrap()
    }

    pub async fn make_superuser(&self, user_id: i32) {
        let mut c = self.db().await;
        c.exec_drop("INSERT INTO superusers (user_id) VALUES (?)", (user_id,))
            .await
            .unwrap();
    }

    /// A session token for `username`, stored the way login stores it.
    pub async fn login_as(&self, username: &str) -> String {
        token_for(
            &redis_store(self.config.session_lifetime_secs).await,
            username,
        )
        .await
    }

    /// A new user with a session: (user id, username, token).
    pub async fn user(&self, prefix: &str) -> (i32, String, String) {
        let name = unique(prefix);
        let id = self.create_user(&name).await;
        let token = self.login_as(&name).await;
        (id, name, token)
    }

    pub async fn superuser(&self) -> (i32, String, String) {
        let (id, name, token) = self.user("super").await;
        self.make_superuser(id).await;
        (id, name, token)
    }

    /// A verified user with a password: (id, username, email, password).
    pub async fn password_user(&self, prefix: &str) -> (i32, String, String, String) {
        let name = unique_name(prefix);
        let email = new_email(prefix);
        let password = "correct horse".to_string();
        let id = self
            .create_user_with_password(&name, &email, &password, true)
            .await;
        (id, name, email, password)
    }

    /// `POST path` (`/register` or `/auth/register`) without a session: registers
    /// `username` with `email` and `password`.
    pub async fn register(&self, path: &str, username: &str, email: &str, password: &str) -> Resp {
        let body = json!({"username": username, "email": email, "password": password});
        self.send(Method::POST, path, None, Some(body)).await
    }

    /// `POST path` with a password-login body.
    pub async fn password_login(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, None, Some(body)).await
    }

    /// Logs `username` in with `password` at `/login`; the session token.
    pub async fn log_in(&self, username: &str, password: &str) -> String {
        self.password_login(
            "/login",
            json!({"username": username, "password": password}),
        )
        .await
        .session_token()
    }
}

impl Resp {
    /// The token of a login response's `Authorization: bearer <token>` header.
    #[track_caller]
    pub fn session_token(&self) -> String {
        let value = self
            .header("authorization")
            .unwrap_or_else(|| panic!("no Authorization header: {self:?}"));
        value
            .strip_prefix("bearer ")
            .unwrap_or_else(|| panic!("not `bearer <token>`: {value}"))
            .to_string()
    }
}
