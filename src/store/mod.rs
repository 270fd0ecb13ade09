//! Where results are stored: debtors, campaigns, attempts (outbound and inbound), calls, promises, payments,
//! messages, complaints, refusals and calls from unknown numbers, in embedded SQLite by default or in PostgreSQL
//! for several workers — one schema, one set of queries.
//!
//! Queries are checked at run time (no database is needed to build). Times are UTC Unix seconds, dates are
//! `YYYY-MM-DD` text and money is integer minor units, so every value maps the same way on both back ends.

pub mod attempts;
pub mod calls;
pub mod debtors;
pub mod history;
pub mod inbound;
pub mod payments;
pub mod reports;

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL `{0}`: use sqlite://PATH (default data/softcall.db) or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// The data folder for the SQLite file could not be created.
    #[error("cannot create the data folder {path}: {source}")]
    DataFolder {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The database could not be reached or opened.
    #[error("cannot open the database {url}: {reason}")]
    Connect {
        /// The URL with any password removed.
        url: String,
        /// What went wrong and what to check (the driver's error, said once).
        reason: String,
    },
    /// Applying the schema migrations failed.
    #[error("cannot apply the schema migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database query failed while {context}: {source}")]
    Query {
        /// What the store was doing.
        context: &'static str,
        /// The driver error.
        source: sqlx::Error,
    },
    /// A campaign name that is not in the store.
    #[error("no campaign named `{0}` (import a debtor list with --campaign {0} first)")]
    UnknownCampaign(String),
    /// A debtor id or external id that is not in the store.
    #[error("no debtor `{0}` in the store")]
    UnknownDebtor(String),
    /// An attempt id that is not in the store or not in the expected state.
    #[error("attempt {id} cannot be {action}: it is `{state}`")]
    AttemptState {
        /// The attempt.
        id: i64,
        /// What was tried.
        action: &'static str,
        /// Its current state.
        state: String,
    },
    /// A stored value that does not parse (the database was edited by hand or is corrupt).
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
}

/// Attaches a context to a query error.
pub(crate) trait QueryContext<T> {
    /// Maps a driver error to [`StoreError::Query`].
    fn ctx(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> QueryContext<T> for Result<T, sqlx::Error> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Query { context, source })
    }
}

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A handle to the database, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// The default database: a SQLite file inside the data folder.
pub fn default_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("softcall.db").display())
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let mut connect_url = url.to_string();
        if backend == Backend::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:")
                .split('?')
                .next()
                .unwrap_or("");
            if path != ":memory:" && !path.is_empty() {
                if let Some(parent) = Path::new(path)
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(parent).map_err(|source| StoreError::DataFolder {
                        path: parent.display().to_string(),
                        source,
                    })?;
                }
            }
            if !connect_url.contains("mode=") {
                connect_url.push_str(if connect_url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let connect_err = |source: sqlx::Error| StoreError::Connect {
            url: redact(url),
            reason: connect_reason(backend, &source),
        };
        // Statements are not logged: they are noise at warn level for big imports, and values must never reach
        // the logs (personal data).
        let options = AnyConnectOptions::from_str(&connect_url)
            .map_err(connect_err)?
            .disable_statement_logging();
        // One connection first: a server that is down or refuses fails here at once, instead of the pool
        // retrying until its acquire timeout.
        options
            .connect()
            .await
            .map_err(connect_err)?
            .close()
            .await
            .map_err(connect_err)?;
        // SQLite allows one writer; a single connection keeps transactions from waiting on each other.
        let max = if backend == Backend::Sqlite { 1 } else { 8 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(connect_err)?;
        if backend == Backend::Sqlite {
            for pragma in [
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA foreign_keys = ON",
            ] {
                sqlx::query(pragma)
                    .execute(&pool)
                    .await
                    .ctx("setting SQLite pragmas")?;
            }
        }
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the embedded migrations for this back end.
    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Which engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool (for the store's own modules).
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection (waits for running queries).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The driver's error said once, with what to check when the server cannot be reached.
fn connect_reason(backend: Backend, e: &sqlx::Error) -> String {
    let refused =
        matches!(e, sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused);
    match backend {
        Backend::Postgres if refused => {
            "nothing is listening at that host and port: is PostgreSQL running there, and is the port right?".into()
        }
        Backend::Postgres if matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut) => {
            format!("{e} (is PostgreSQL reachable at that host and port?)")
        }
        _ => e.to_string(),
    }
}

/// Removes a password from a database URL before it is shown.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Converts a flag to the stored integer.
pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("sqlite://data/softcall.db"),
            "sqlite://data/softcall.db"
        );
    }
}
