//! Requests to a [`TestApp`] and their answers, read whole ([`Resp`]).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::app::TestApp;

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A request builder for `path`, with the token if given.
    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut r = self.client.request(method, self.url(path));
        if let Some(t) = token {
            r = r.header("Authorization", format!("bearer {t}"));
        }
        r
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        Resp::read(self.req(Method::GET, path, token).send().await.unwrap()).await
    }

    /// GET with an `Accept-Language` header.
    pub async fn get_lang(&self, path: &str, token: Option<&str>, lang: &str) -> Resp {
        let r = self
            .req(Method::GET, path, token)
            .header("Accept-Language", lang);
        Resp::read(r.send().await.unwrap()).await
    }

    /// GET with an `Accept` header.
    pub async fn get_accept(&self, path: &str, token: Option<&str>, accept: &str) -> Resp {
        let r = self.req(Method::GET, path, token).header("Accept", accept);
        Resp::read(r.send().await.unwrap()).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut r = self.req(method, path, token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        Resp::read(r.send().await.unwrap()).await
    }

    /// The bytes `GET /images/<name>` answers with, whatever the status.
    pub async fn image_bytes(&self, name: &str) -> Vec<u8> {
        self.client
            .get(self.url(&format!("/images/{name}")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    /// Reads the whole of `r`.
    pub async fn read(r: reqwest::Response) -> Self {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        Self {
            status,
            headers,
            text,
        }
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The path part of the `Location` header.
    pub fn location_path(&self) -> Option<String> {
        let loc = self.header("location")?;
        let after_scheme = loc.split_once("://").map(|(_, r)| r).unwrap_or(loc);
        Some(
            after_scheme
                .find('/')
                .map(|i| after_scheme[i..].to_string())
                .unwrap_or_default(),
        )
    }
    /// The numeric id that ends the `Location` header (of a created memory or comment).
    pub fn location_id(&self) -> Option<i64> {
        self.header("location")?.rsplit('/').next()?.parse().ok()
    }
    pub fn error_message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    /// `loc` of the first validation error.
    pub fn error_loc(&self) -> Value {
        self.json()["error"]["errors"][0]["loc"].clone()
    }
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}
