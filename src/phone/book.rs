//! Which scenario a call follows: by the dialled user part of the Request-URI, from a folder of
//! `USER.yaml` files (plus `default.yaml`) or one file for every call.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::scenario::{Scenario, ScenarioError};

/// Scenarios by dialled user, and the one for everybody else.
#[derive(Debug, Clone, Default)]
pub struct ScenarioBook {
    by_user: HashMap<String, (String, Scenario)>,
    default: Option<(String, Scenario)>,
}

/// Why a scenario book cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BookError {
    /// The path is neither a file nor a folder.
    #[error(
        "scenario path {0} does not exist (give a scenario file or a folder of USER.yaml files)"
    )]
    Missing(PathBuf),
    /// The folder cannot be listed.
    #[error("cannot list scenario folder {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The folder holds no scenario at all.
    #[error("scenario folder {0} holds no .yaml file")]
    Empty(PathBuf),
    /// One scenario is broken.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

impl ScenarioBook {
    /// One scenario for every call.
    pub fn single(name: impl Into<String>, scenario: Scenario) -> Self {
        ScenarioBook {
            by_user: HashMap::new(),
            default: Some((name.into(), scenario)),
        }
    }

    /// Adds the scenario for calls to `user`.
    pub fn insert(&mut self, user: impl Into<String>, name: impl Into<String>, scenario: Scenario) {
        self.by_user.insert(user.into(), (name.into(), scenario));
    }

    /// Loads a file (used for every call) or a folder (`USER.yaml` per dialled user, `default.yaml`).
    pub fn load(path: &Path) -> Result<Self, BookError> {
        if path.is_file() {
            let name = stem(path);
            return Ok(ScenarioBook::single(name, Scenario::load(path)?));
        }
        if !path.is_dir() {
            return Err(BookError::Missing(path.to_path_buf()));
        }
        let io = |source| BookError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut book = ScenarioBook::default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.extension().is_some_and(|x| {
                        x.eq_ignore_ascii_case("yaml") || x.eq_ignore_ascii_case("yml")
                    })
            })
            .collect();
        files.sort();
        for file in files {
            let name = stem(&file);
            let scenario = Scenario::load(&file)?;
            if name == "default" {
                book.default = Some((name, scenario));
            } else {
                book.by_user.insert(name.clone(), (name, scenario));
            }
        }
        if book.by_user.is_empty() && book.default.is_none() {
            return Err(BookError::Empty(path.to_path_buf()));
        }
        Ok(book)
    }

    /// The scenario (and its name) for a call to `user`; `None` when neither it nor a default exists.
    pub fn pick(&self, user: Option<&str>) -> Option<(&str, &Scenario)> {
        user.and_then(|u| self.by_user.get(u))
            .or(self.default.as_ref())
            .map(|(n, s)| (n.as_str(), s))
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_maps_users_and_falls_back_to_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("debtor-1.yaml"), "answer: busy\n").unwrap();
        std::fs::write(dir.path().join("default.yaml"), "answer: ring_out\n").unwrap();
        let book = ScenarioBook::load(dir.path()).unwrap();
        assert_eq!(
            book.pick(Some("debtor-1")).map(|(n, _)| n),
            Some("debtor-1")
        );
        assert_eq!(book.pick(Some("other")).map(|(n, _)| n), Some("default"));
        assert_eq!(book.pick(None).map(|(n, _)| n), Some("default"));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            ScenarioBook::load(empty.path()),
            Err(BookError::Empty(_))
        ));
        assert!(matches!(
            ScenarioBook::load(&empty.path().join("nope")),
            Err(BookError::Missing(_))
        ));
    }
}
