//! Everything a handler needs, built once per process (cold start) and shared.

use std::{sync::Arc, time::Duration};

use crate::{
    config::{Config, ImagesConfig, SessionsConfig},
    db::Db,
    error::ApiError,
    geo::SiteDensity,
    images::{DirImageStore, ExportStore, ImageStore},
    mail::Mailer,
    repos::languages::LanguageCache,
    sessions::{MemorySessionStore, SessionStore},
};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    db: Db,
    sessions: Arc<dyn SessionStore>,
    images: Arc<dyn ImageStore>,
    /// Where an export too large for one response is kept (the S3 image store); `None`
    /// with a folder of images, whose local server streams every export instead.
    exports: Option<Arc<dyn ExportStore>>,
    mailer: Arc<dyn Mailer>,
    /// The database's language rows, learnt as they are read.
    languages: LanguageCache,
    /// How densely each project's sites lie, learnt by the nearest searches.
    site_density: SiteDensity,
}

/// Why the state could not be built; printed as one line at start-up.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("MUISTOT_DATABASE_URL: {0}")]
    Database(String),
    #[error("MUISTOT_SESSIONS: {0}")]
    Sessions(String),
    #[error("MUISTOT_IMAGES: {0}")]
    Images(String),
    #[error("MUISTOT_MAIL: {0}")]
    Mail(String),
}

impl AppState {
    /// Builds the pool and the session store from `config`, opening one connection to
    /// each so the first request does not pay for the handshakes.
    pub async fn build(config: Config) -> Result<Self, InitError> {
        let timeout = Duration::from_secs(config.io_timeout_secs.max(1));
        let db = Db::with_pool(
            config.database_url.expose(),
            config.database_ca.as_deref(),
            timeout,
            config.db_pool,
        )
        .map_err(|e| InitError::Database(e.to_string()))?;
        if let Err(e) = db.ping().await {
            // Not fatal: the pool reconnects when the database comes back.
            tracing::warn!(error = %e.log_chain(), "database not reachable at start-up");
        }
        // One SDK configuration for every AWS client, loaded only when a store needs it.
        #[cfg(feature = "aws")]
        let aws = if crate::aws::needed(&config) {
            Some(crate::aws::sdk_config(&config).await)
        } else {
            None
        };
        let sessions: Arc<dyn SessionStore> = match &config.sessions {
            SessionsConfig::Memory => {
                Arc::new(MemorySessionStore::new(config.session_lifetime_secs))
            }
            #[cfg(feature = "redis")]
            SessionsConfig::Redis(url) => Arc::new(
                crate::sessions::RedisSessionStore::connect(
                    url,
                    config.session_lifetime_secs,
                    timeout,
                )
                .await
                .map_err(|e| InitError::Sessions(e.log_chain()))?,
            ),
            #[cfg(feature = "dynamodb")]
            SessionsConfig::DynamoDb { table } => match &aws {
                Some(aws) => Arc::new(crate::sessions::DynamoDbSessionStore::new(
                    aws,
                    table.clone(),
                    config.session_lifetime_secs,
                )),
                None => return Err(InitError::Sessions("no AWS configuration".into())),
            },
            // Every route needs sessions: a function without the configured store cannot
            // serve at all, so it refuses to start.
            #[allow(unreachable_patterns)]
            other => {
                // Named, not printed: a Redis URL may hold a password.
                let store = match other {
                    SessionsConfig::Redis(_) => "Redis",
                    SessionsConfig::DynamoDb { .. } => "DynamoDB",
                    SessionsConfig::Memory => "memory",
                };
                return Err(InitError::Sessions(format!(
                    "{store} sessions are not built into this function (cargo feature off)"
                )));
            }
        };
        #[cfg(feature = "ses")]
        let mailer = crate::mail::from_config(&config, aws.as_ref()).await;
        #[cfg(not(feature = "ses"))]
        let mailer = crate::mail::from_config(&config).await;
        let mailer = mailer.map_err(InitError::Mail)?;
        let (images, exports): (Arc<dyn ImageStore>, Option<Arc<dyn ExportStore>>) =
            match &config.images {
                ImagesConfig::Dir(path) => (Arc::new(DirImageStore::new(path.clone())), None),
                #[cfg(feature = "s3")]
                ImagesConfig::S3 { bucket } => match &aws {
                    Some(sdk) if sdk.region().is_some() => {
                        let s3 = Arc::new(crate::images::S3ImageStore::new(sdk, bucket.clone()));
                        (s3.clone(), Some(s3))
                    }
                    _ => {
                        return Err(InitError::Images(
                            "s3:// needs an AWS region (set AWS_REGION)".into(),
                        ))
                    }
                },
                // This function serves no image route: a stand-in that never answers.
                #[cfg(not(feature = "s3"))]
                ImagesConfig::S3 { .. } => (Arc::new(crate::images::NotBuiltIn("S3")), None),
            };
        Ok(Self::assemble(
            config, db, sessions, images, exports, mailer,
        ))
    }

    pub fn from_parts(
        config: Config,
        db: Db,
        sessions: Arc<dyn SessionStore>,
        images: Arc<dyn ImageStore>,
        mailer: Arc<dyn Mailer>,
    ) -> Self {
        Self::assemble(config, db, sessions, images, None, mailer)
    }

    fn assemble(
        config: Config,
        db: Db,
        sessions: Arc<dyn SessionStore>,
        images: Arc<dyn ImageStore>,
        exports: Option<Arc<dyn ExportStore>>,
        mailer: Arc<dyn Mailer>,
    ) -> Self {
        Self(Arc::new(Inner {
            config,
            db,
            sessions,
            images,
            exports,
            mailer,
            languages: LanguageCache::default(),
            site_density: SiteDensity::default(),
        }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }
    pub fn db(&self) -> &Db {
        &self.0.db
    }
    pub fn sessions(&self) -> &dyn SessionStore {
        self.0.sessions.as_ref()
    }
    pub fn images(&self) -> &Arc<dyn ImageStore> {
        &self.0.images
    }
    /// Where exports too large for one response are kept, when the image store can.
    pub fn exports(&self) -> Option<&dyn ExportStore> {
        self.0.exports.as_deref()
    }
    pub fn mailer(&self) -> &dyn Mailer {
        self.0.mailer.as_ref()
    }
    /// This database's language rows (see [`LanguageCache`]).
    pub fn languages(&self) -> &LanguageCache {
        &self.0.languages
    }
    /// The nearest search's density estimate (see [`SiteDensity`]).
    pub fn site_density(&self) -> &SiteDensity {
        &self.0.site_density
    }
}

impl From<InitError> for ApiError {
    fn from(e: InitError) -> Self {
        ApiError::Internal(crate::error::Cause::with("initialisation", e))
    }
}

/// Builds the state from the environment, logging why it could not (one line).
pub async fn from_env() -> Result<AppState, InitError> {
    let result = async { AppState::build(Config::from_env()?).await }.await;
    if let Err(e) = &result {
        tracing::error!("{e}");
    }
    result
}
