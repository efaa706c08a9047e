//! One typed configuration, read from the `MUISTOT_*` environment variables listed in the
//! README. Every value has a default that runs on one machine.

use std::{env, fmt, path::PathBuf};

/// Where sessions live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionsConfig {
    Redis(String),
    DynamoDb { table: String },
    Memory,
}

/// How login mail leaves the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailConfig {
    Outbox(PathBuf),
    Ses,
    Log,
}

/// Where uploaded images are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImagesConfig {
    Dir(PathBuf),
    S3 { bucket: String },
}

/// Settings of the AWS SDK read through the same lookup as the rest, so a test server can
/// point its own clients at moto. They are the only source (`aws::sdk_config`): in Lambda
/// the runtime sets the region and the role's credentials as these variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AwsConfig {
    /// `AWS_ENDPOINT_URL`: one endpoint for every AWS service (moto in tests).
    pub endpoint_url: Option<String>,
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`).
    pub region: Option<String>,
    /// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), when both are set.
    pub credentials: Option<(Secret, Secret, Option<Secret>)>,
}

/// A secret that never appears in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: String,
    /// Contains the database password: never log it.
    pub database_url: Secret,
    /// `MUISTOT_DATABASE_CA`: root certificates (PEM) the database's TLS certificate must
    /// chain to; when set, every database connection uses TLS (see `db::connect_opts`).
    pub database_ca: Option<PathBuf>,
    pub sessions: SessionsConfig,
    pub session_lifetime_secs: u64,
    pub mail: MailConfig,
    pub mail_from: String,
    pub login_url: String,
    pub images: ImagesConfig,
    pub auto_publish: bool,
    pub disable_comments: bool,
    pub default_language: String,
    pub supported_languages: Vec<String>,
    pub bcrypt_cost: u32,
    pub oauth_providers: Vec<String>,
    /// Public base URL for `Location` headers; derived from the request when unset.
    pub public_url: Option<String>,
    /// Allowed CORS origins; `*` allows any (development).
    pub cors_origins: Vec<String>,
    /// Seconds a database or session-store call may take before the request gets a 503.
    pub io_timeout_secs: u64,
    /// Seconds one request may take in all (retries included) before it is a 503.
    pub request_timeout_secs: u64,
    /// `MUISTOT_DB_POOL_MAX` and `MUISTOT_DB_IDLE_TIMEOUT`: how many database connections
    /// this process may hold, and how long an unused one stays open.
    pub db_pool: DbPoolConfig,
    /// `MUISTOT_MAX_RESPONSE_BYTES`: the largest list body answered in one response; past
    /// it a list answers its first page with `next` (docs/api-conventions.md#pages).
    pub max_response_bytes: usize,
    /// `MUISTOT_CACHE_MAX_AGE`: seconds a shared cache or browser may reuse an anonymous
    /// answer without asking again (docs/api-conventions.md#caching).
    pub cache_max_age_secs: u64,
    /// `MUISTOT_CACHE_SWR`: seconds past that during which a cache may still answer with its
    /// copy while it fetches a fresh one (`stale-while-revalidate`).
    pub cache_swr_secs: u64,
    /// `MUISTOT_REPORT_HIDE_THRESHOLD`: distinct reporters at which a memory or comment is
    /// unpublished, in the report's own transaction (docs/api-conventions.md#reports).
    pub report_hide_threshold: u32,
    /// `MUISTOT_POSTING_LIMITS` / `MUISTOT_POSTING_WINDOW`: creates per user and window
    /// (docs/api-conventions.md#posting-limits).
    pub posting_limits: PostingLimits,
    pub aws: AwsConfig,
}

/// The bounds of this process's database connections (README, "Database connections").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DbPoolConfig {
    /// Connections open at once, at most; a request past it waits for one, up to
    /// `MUISTOT_IO_TIMEOUT`, then gets a 503.
    pub max: usize,
    /// Seconds an unused connection stays open: the pool closes it after this, and the
    /// server after a few seconds more (a frozen Lambda instance cannot close its own).
    pub idle_timeout_secs: u64,
}

/// Pool size of a Lambda function: an instance serves one request at a time, and a request
/// holds one connection at a time (two for the moment one is handed back).
pub const LAMBDA_POOL_MAX: usize = 2;
/// Pool size of a long-running server (the local one), serving many requests at once.
pub const SERVER_POOL_MAX: usize = 16;

impl DbPoolConfig {
    /// The default for where this runs: `lambda` when the Lambda runtime's
    /// `AWS_LAMBDA_FUNCTION_NAME` is set.
    pub fn default_for(lambda: bool) -> Self {
        Self {
            max: if lambda {
                LAMBDA_POOL_MAX
            } else {
                SERVER_POOL_MAX
            },
            idle_timeout_secs: 60,
        }
    }
}

/// How many sites, memories, comments and reports one user may create per window of
/// `window_secs`; 0 is no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostingLimits {
    pub window_secs: u64,
    pub sites: u64,
    pub memories: u64,
    pub comments: u64,
    pub reports: u64,
    /// E-mail login links asked for per client address (`POST /login/email-only`).
    pub links: u64,
    /// `MUISTOT_TRUSTED_PROXIES`: how many `X-Forwarded-For` entries from the right our
    /// own proxies added (API Gateway 1, with the CDN in front 2); the entry before them
    /// is the client's address.
    pub trusted_proxies: usize,
}

impl Default for PostingLimits {
    fn default() -> Self {
        Self {
            window_secs: 3600,
            sites: 30,
            memories: 30,
            comments: 60,
            reports: 30,
            links: 20,
            trusted_proxies: 1,
        }
    }
}

impl PostingLimits {
    /// `name=count` pairs, comma-separated, over the defaults: `memories=30,reports=10`.
    fn parse(
        text: Option<String>,
        window: Option<String>,
        proxies: Option<String>,
    ) -> Result<Self, ConfigError> {
        let var = "MUISTOT_POSTING_LIMITS";
        let mut limits = Self {
            window_secs: parse_num(window, "MUISTOT_POSTING_WINDOW", 3600)?.max(1) as u64,
            trusted_proxies: parse_num(proxies, "MUISTOT_TRUSTED_PROXIES", 1)?.max(1) as usize,
            ..Self::default()
        };
        for pair in text.iter().flat_map(|t| t.split(',')) {
            let pair = pair.trim();
            if pair.is_empty() {
                continue;
            }
            let (name, count) = pair
                .split_once('=')
                .ok_or_else(|| err(var, format!("expected name=count, got {pair:?}")))?;
            let count = count
                .trim()
                .parse::<u64>()
                .map_err(|_| err(var, format!("not a count: {pair:?}")))?;
            let slot = match name.trim() {
                "sites" => &mut limits.sites,
                "memories" => &mut limits.memories,
                "comments" => &mut limits.comments,
                "reports" => &mut limits.reports,
                "links" => &mut limits.links,
                other => return Err(err(var, format!("unknown limit {other:?}"))),
            };
            *slot = count;
        }
        Ok(limits)
    }
}

/// Default of `MUISTOT_MAX_RESPONSE_BYTES`: safely under the 6 MB a Lambda function's
/// response may hold.
pub const DEFAULT_MAX_RESPONSE_BYTES: i64 = 5_000_000;

/// A configuration value that could not be used; names the variable and why.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

fn err(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| env::var(k).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let database_url = get("MUISTOT_DATABASE_URL")
            .unwrap_or_else(|| "mysql://root@127.0.0.1:3306/muistot".into());
        if !database_url.starts_with("mysql://") {
            return Err(err("MUISTOT_DATABASE_URL", "must start with mysql://"));
        }
        mysql_async::Opts::from_url(&database_url)
            .map_err(|_| err("MUISTOT_DATABASE_URL", "not a valid mysql:// URL"))?;

        let database_ca = get("MUISTOT_DATABASE_CA").map(PathBuf::from);
        if let Some(path) = &database_ca {
            check_pem_certificates(path).map_err(|reason| err("MUISTOT_DATABASE_CA", reason))?;
        }

        let sessions = match get("MUISTOT_SESSIONS").as_deref() {
            None => SessionsConfig::Redis("redis://127.0.0.1:6379/0".into()),
            Some("memory") => SessionsConfig::Memory,
            Some(v) if v.starts_with("redis://") || v.starts_with("rediss://") => {
                SessionsConfig::Redis(v.to_string())
            }
            Some(v) if v.starts_with("dynamodb://") => {
                let table = &v["dynamodb://".len()..];
                if table.is_empty() {
                    return Err(err("MUISTOT_SESSIONS", "dynamodb:// needs a table name"));
                }
                SessionsConfig::DynamoDb {
                    table: table.to_string(),
                }
            }
            Some(_) => {
                return Err(err(
                    "MUISTOT_SESSIONS",
                    "expected redis://host:port/db, dynamodb://TABLE or memory",
                ))
            }
        };
        let session_lifetime_secs = parse_num(
            get("MUISTOT_SESSION_LIFETIME"),
            "MUISTOT_SESSION_LIFETIME",
            960,
        )?;
        if session_lifetime_secs == 0 {
            return Err(err("MUISTOT_SESSION_LIFETIME", "must be at least 1 second"));
        }

        let mail = match get("MUISTOT_MAIL").as_deref() {
            None => MailConfig::Outbox(PathBuf::from("outbox")),
            Some("ses") => MailConfig::Ses,
            Some("log") => MailConfig::Log,
            Some(v) if v.starts_with("outbox:") && v.len() > "outbox:".len() => {
                MailConfig::Outbox(PathBuf::from(&v["outbox:".len()..]))
            }
            Some(_) => return Err(err("MUISTOT_MAIL", "expected outbox:DIR, ses or log")),
        };
        let images = match get("MUISTOT_IMAGES") {
            None => ImagesConfig::Dir(PathBuf::from("images")),
            Some(v) if v.starts_with("dir:") && v.len() > 4 => {
                ImagesConfig::Dir(PathBuf::from(&v[4..]))
            }
            Some(v) if v.starts_with("s3://") && v.len() > 5 => ImagesConfig::S3 {
                bucket: v[5..].trim_end_matches('/').to_string(),
            },
            Some(_) => return Err(err("MUISTOT_IMAGES", "expected dir:PATH or s3://BUCKET")),
        };
        let supported_languages: Vec<String> = get("MUISTOT_LANGUAGES")
            .unwrap_or_else(|| "fi,en,se".into())
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let default_language = get("MUISTOT_DEFAULT_LANGUAGE").unwrap_or_else(|| "fi".into());
        if !supported_languages.contains(&default_language) {
            return Err(err(
                "MUISTOT_DEFAULT_LANGUAGE",
                "must be one of MUISTOT_LANGUAGES",
            ));
        }
        let bcrypt_cost = parse_num(get("MUISTOT_BCRYPT_COST"), "MUISTOT_BCRYPT_COST", 12)?;
        if !(4..=31).contains(&bcrypt_cost) {
            return Err(err("MUISTOT_BCRYPT_COST", "must be between 4 and 31"));
        }
        let pool_default = DbPoolConfig::default_for(get("AWS_LAMBDA_FUNCTION_NAME").is_some());
        let db_pool = DbPoolConfig {
            max: parse_num(
                get("MUISTOT_DB_POOL_MAX"),
                "MUISTOT_DB_POOL_MAX",
                pool_default.max as i64,
            )? as usize,
            idle_timeout_secs: parse_num(
                get("MUISTOT_DB_IDLE_TIMEOUT"),
                "MUISTOT_DB_IDLE_TIMEOUT",
                pool_default.idle_timeout_secs as i64,
            )? as u64,
        };
        if !(1..=1000).contains(&db_pool.max) {
            return Err(err("MUISTOT_DB_POOL_MAX", "must be between 1 and 1000"));
        }
        if !(1..=86_400).contains(&db_pool.idle_timeout_secs) {
            return Err(err(
                "MUISTOT_DB_IDLE_TIMEOUT",
                "must be between 1 and 86400 seconds",
            ));
        }
        // The original's watchdog hides an item past 10 reports.
        let report_hide_threshold = parse_num(
            get("MUISTOT_REPORT_HIDE_THRESHOLD"),
            "MUISTOT_REPORT_HIDE_THRESHOLD",
            10,
        )?;
        if !(1..=i64::from(u32::MAX)).contains(&report_hide_threshold) {
            return Err(err("MUISTOT_REPORT_HIDE_THRESHOLD", "must be at least 1"));
        }
        let report_hide_threshold = report_hide_threshold as u32;
        let list = |k: &str, default: &str| -> Vec<String> {
            get(k)
                .unwrap_or_else(|| default.into())
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Ok(Self {
            bind: get("MUISTOT_BIND").unwrap_or_else(|| "127.0.0.1:5600".into()),
            database_url: Secret::new(database_url),
            database_ca,
            sessions,
            session_lifetime_secs: session_lifetime_secs as u64,
            mail,
            mail_from: get("MUISTOT_MAIL_FROM")
                .unwrap_or_else(|| "Muistotkartalla <no-reply@muistotkartalla.localhost>".into()),
            login_url: get("MUISTOT_LOGIN_URL").unwrap_or_else(|| "http://localhost:3000".into()),
            images,
            auto_publish: parse_bool(get("MUISTOT_AUTO_PUBLISH"), "MUISTOT_AUTO_PUBLISH")?,
            // The original switched comments off when the variable was set at all.
            disable_comments: lookup("MUISTOT_DISABLE_COMMENTS").is_some(),
            default_language,
            supported_languages,
            bcrypt_cost: bcrypt_cost as u32,
            oauth_providers: list("MUISTOT_OAUTH_PROVIDERS", ""),
            public_url: get("MUISTOT_PUBLIC_URL").map(|s| s.trim_end_matches('/').to_string()),
            cors_origins: list("MUISTOT_CORS_ORIGINS", "*"),
            io_timeout_secs: parse_num(get("MUISTOT_IO_TIMEOUT"), "MUISTOT_IO_TIMEOUT", 5)? as u64,
            request_timeout_secs: parse_num(
                get("MUISTOT_REQUEST_TIMEOUT"),
                "MUISTOT_REQUEST_TIMEOUT",
                10,
            )? as u64,
            db_pool,
            max_response_bytes: parse_num(
                get("MUISTOT_MAX_RESPONSE_BYTES"),
                "MUISTOT_MAX_RESPONSE_BYTES",
                DEFAULT_MAX_RESPONSE_BYTES,
            )? as usize,
            cache_max_age_secs: parse_num(
                get("MUISTOT_CACHE_MAX_AGE"),
                "MUISTOT_CACHE_MAX_AGE",
                30,
            )? as u64,
            cache_swr_secs: parse_num(get("MUISTOT_CACHE_SWR"), "MUISTOT_CACHE_SWR", 300)? as u64,
            report_hide_threshold,
            posting_limits: PostingLimits::parse(
                get("MUISTOT_POSTING_LIMITS"),
                get("MUISTOT_POSTING_WINDOW"),
                get("MUISTOT_TRUSTED_PROXIES"),
            )?,
            aws: AwsConfig {
                endpoint_url: get("AWS_ENDPOINT_URL"),
                region: get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION")),
                credentials: match (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
                    (Some(id), Some(secret)) => Some((
                        Secret::new(id),
                        Secret::new(secret),
                        get("AWS_SESSION_TOKEN").map(Secret::new),
                    )),
                    _ => None,
                },
            },
        })
    }
}

/// A readable file with at least one PEM certificate: caught at start-up rather than at
/// the first connection.
fn check_pem_certificates(path: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(())
}

fn parse_num(v: Option<String>, var: &'static str, default: i64) -> Result<i64, ConfigError> {
    match v {
        None => Ok(default),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| err(var, format!("expected a non-negative integer, got {s:?}"))),
    }
}

fn parse_bool(v: Option<String>, var: &'static str) -> Result<bool, ConfigError> {
    match v.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(s) if matches!(s.as_str(), "true" | "1" | "yes" | "on") => Ok(true),
        Some(s) if matches!(s.as_str(), "false" | "0" | "no" | "off") => Ok(false),
        Some(s) => Err(err(var, format!("expected true or false, got {s:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_run_locally() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:5600");
        assert_eq!(c.session_lifetime_secs, 960);
        assert_eq!(c.mail, MailConfig::Outbox("outbox".into()));
        assert!(!c.auto_publish);
        assert_eq!(c.default_language, "fi");
        assert_eq!(c.max_response_bytes, 5_000_000);
    }

    #[test]
    fn posting_limits_and_the_report_threshold_have_defaults_and_are_configurable() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.posting_limits, PostingLimits::default());
        assert_eq!(c.report_hide_threshold, 10);
        let c = cfg(&[
            ("MUISTOT_POSTING_LIMITS", " memories=5, reports=0 "),
            ("MUISTOT_POSTING_WINDOW", "60"),
            ("MUISTOT_REPORT_HIDE_THRESHOLD", "3"),
        ])
        .unwrap();
        assert_eq!(
            c.posting_limits,
            PostingLimits {
                window_secs: 60,
                memories: 5,
                reports: 0,
                ..PostingLimits::default()
            }
        );
        assert_eq!(c.report_hide_threshold, 3);
        for bad in ["memories", "memories=x", "photos=3"] {
            let e = cfg(&[("MUISTOT_POSTING_LIMITS", bad)]).unwrap_err();
            assert_eq!(e.var, "MUISTOT_POSTING_LIMITS", "{bad}");
        }
        let e = cfg(&[("MUISTOT_REPORT_HIDE_THRESHOLD", "0")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_REPORT_HIDE_THRESHOLD");
    }

    #[test]
    fn the_response_size_cap_is_configurable() {
        let c = cfg(&[("MUISTOT_MAX_RESPONSE_BYTES", "2000")]).unwrap();
        assert_eq!(c.max_response_bytes, 2000);
        let e = cfg(&[("MUISTOT_MAX_RESPONSE_BYTES", "5MB")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_MAX_RESPONSE_BYTES");
    }

    #[test]
    fn cache_lifetimes_are_short_by_default_and_configurable() {
        let c = cfg(&[]).unwrap();
        assert_eq!((c.cache_max_age_secs, c.cache_swr_secs), (30, 300));
        let c = cfg(&[("MUISTOT_CACHE_MAX_AGE", "0"), ("MUISTOT_CACHE_SWR", "60")]).unwrap();
        assert_eq!((c.cache_max_age_secs, c.cache_swr_secs), (0, 60));
        let e = cfg(&[("MUISTOT_CACHE_SWR", "5m")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_CACHE_SWR");
    }

    #[test]
    fn the_pool_is_small_in_lambda_and_configurable() {
        assert_eq!(cfg(&[]).unwrap().db_pool.max, 16);
        let lambda = cfg(&[("AWS_LAMBDA_FUNCTION_NAME", "muistot-projects")]).unwrap();
        assert_eq!(lambda.db_pool, DbPoolConfig::default_for(true));
        assert_eq!(lambda.db_pool.max, 2);
        let set = cfg(&[
            ("AWS_LAMBDA_FUNCTION_NAME", "muistot-projects"),
            ("MUISTOT_DB_POOL_MAX", "1"),
            ("MUISTOT_DB_IDLE_TIMEOUT", "30"),
        ])
        .unwrap();
        assert_eq!((set.db_pool.max, set.db_pool.idle_timeout_secs), (1, 30));
        for (var, bad) in [
            ("MUISTOT_DB_POOL_MAX", "0"),
            ("MUISTOT_DB_POOL_MAX", "two"),
            ("MUISTOT_DB_IDLE_TIMEOUT", "0"),
        ] {
            assert_eq!(cfg(&[(var, bad)]).unwrap_err().var, var);
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("MUISTOT_SESSIONS", "mongo://x")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_SESSIONS");
        let e = cfg(&[("MUISTOT_AUTO_PUBLISH", "maybe")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_AUTO_PUBLISH");
        let e = cfg(&[("MUISTOT_DATABASE_URL", "postgres://x")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_DATABASE_URL");
        let e = cfg(&[("MUISTOT_SESSION_LIFETIME", "-5")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_SESSION_LIFETIME");
    }

    #[test]
    fn parses_stores() {
        let c = cfg(&[
            ("MUISTOT_SESSIONS", "dynamodb://sessions"),
            ("MUISTOT_IMAGES", "s3://bucket"),
            ("MUISTOT_MAIL", "ses"),
        ])
        .unwrap();
        assert_eq!(
            c.sessions,
            SessionsConfig::DynamoDb {
                table: "sessions".into()
            }
        );
        assert_eq!(
            c.images,
            ImagesConfig::S3 {
                bucket: "bucket".into()
            }
        );
        assert_eq!(c.mail, MailConfig::Ses);
    }

    #[test]
    fn database_ca_must_hold_a_certificate() {
        let e = cfg(&[("MUISTOT_DATABASE_CA", "/nonexistent/ca.pem")]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_DATABASE_CA");
        let path = std::env::temp_dir().join(format!("muistot-ca-{}.pem", std::process::id()));
        std::fs::write(&path, "not a certificate").unwrap();
        let e = cfg(&[("MUISTOT_DATABASE_CA", path.to_str().unwrap())]).unwrap_err();
        assert_eq!(e.var, "MUISTOT_DATABASE_CA");
        std::fs::write(
            &path,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let c = cfg(&[("MUISTOT_DATABASE_CA", path.to_str().unwrap())]).unwrap();
        assert_eq!(c.database_ca.as_deref(), Some(path.as_path()));
        std::fs::remove_file(&path).ok();
        assert_eq!(cfg(&[]).unwrap().database_ca, None);
    }

    #[test]
    fn secret_is_not_printed() {
        let c = cfg(&[("MUISTOT_DATABASE_URL", "mysql://u:hunter2@h/db")]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
