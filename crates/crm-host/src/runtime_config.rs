//! `--runtime-config-file` in Spin's format: where each key-value store and SQLite database
//! lives. Labels not configured here get Spin's defaults in the state directory.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::kv::{KvBackend, RedisKv, SqliteKv};
use crate::sqlite::DbPool;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    #[serde(default)]
    key_value_store: BTreeMap<String, KvConfig>,
    #[serde(default)]
    sqlite_database: BTreeMap<String, SqliteConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum KvConfig {
    #[serde(rename = "spin")]
    Spin { path: Option<PathBuf> },
    #[serde(rename = "redis")]
    Redis { url: String },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum SqliteConfig {
    #[serde(rename = "spin")]
    Spin {
        path: Option<PathBuf>,
        /// Spin 4.0.1 and later: let `ATTACH` open files. crm always refuses them.
        // As Spin 4.0.2: crates/sqlite/src/lib.rs (InProcDatabase), spinframework/spin#3503
        #[serde(default)]
        allow_attach_file: bool,
    },
    /// A remote libSQL (Turso) database, which Spin can reach and crm cannot. Parsed in Spin's
    /// shape so that a mistyped key is still reported as one.
    // As Spin 4.0.2: crates/sqlite/src/lib.rs (LibSqlDatabase)
    #[serde(rename = "libsql")]
    Libsql {
        #[allow(dead_code)]
        url: String,
        #[allow(dead_code)]
        token: String,
    },
}

/// The opened stores and databases, by label.
pub struct Stores {
    pub kv: HashMap<String, Arc<dyn KvBackend>>,
    pub sqlite: HashMap<String, Arc<DbPool>>,
}

impl RuntimeConfig {
    pub fn load(path: Option<&Path>) -> Result<(Self, PathBuf)> {
        let Some(path) = path else {
            return Ok((Self::default(), PathBuf::from(".")));
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let config: Self = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid runtime config", path.display()))?;
        config
            .refuse_what_crm_cannot_do()
            .with_context(|| format!("runtime config {}", path.display()))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok((config, base))
    }

    /// Settings Spin accepts but crm cannot honour stop startup with a message saying so,
    /// rather than run the application against something else than it asked for.
    fn refuse_what_crm_cannot_do(&self) -> Result<()> {
        for (label, database) in &self.sqlite_database {
            match database {
                SqliteConfig::Libsql { .. } => bail!(
                    "[sqlite_database.{label}] type = \"libsql\" (a remote libSQL database) is \
                     not supported by crm; run this application with Spin (`spin up \
                     --runtime-config-file ...`) to use it, or use type = \"spin\" for a local file"
                ),
                SqliteConfig::Spin {
                    allow_attach_file: true,
                    ..
                } => bail!(
                    "[sqlite_database.{label}] allow_attach_file = true is not supported by crm, \
                     which never lets ATTACH open a file; run this application with Spin to use it"
                ),
                SqliteConfig::Spin { .. } => {}
            }
        }
        Ok(())
    }

    /// Opens every label the manifest uses. The `default` labels live in the state directory
    /// with Spin's file names; any other label must be configured, as on Spin.
    pub fn open_stores(
        &self,
        base: &Path,
        state_dir: &Path,
        kv_labels: &[String],
        sqlite_labels: &[String],
    ) -> Result<Stores> {
        let mut kv: HashMap<String, Arc<dyn KvBackend>> = HashMap::new();
        // One pool per file, whichever stores and databases name it.
        let mut files: HashMap<PathBuf, Arc<DbPool>> = HashMap::new();
        for label in kv_labels {
            let backend: Arc<dyn KvBackend> =
                match (self.key_value_store.get(label), label.as_str()) {
                    (Some(KvConfig::Redis { url }), _) => Arc::new(
                        RedisKv::connect(url)
                            .with_context(|| format!("key-value store `{label}`"))?,
                    ),
                    (Some(KvConfig::Spin { path }), _) => {
                        let file = path.as_ref().map_or_else(
                            || state_dir.join("sqlite_key_value.db"),
                            |p| base.join(p),
                        );
                        Arc::new(SqliteKv::open(label, pool_for(&mut files, &file)?)?)
                    }
                    (None, "default") => Arc::new(SqliteKv::open(
                        label,
                        pool_for(&mut files, &state_dir.join("sqlite_key_value.db"))?,
                    )?),
                    (None, _) => bail!(
                        "key-value store `{label}` is used but not defined in the runtime config"
                    ),
                };
            kv.insert(label.clone(), backend);
        }
        let mut sqlite = HashMap::new();
        for label in sqlite_labels {
            let file = match (self.sqlite_database.get(label), label.as_str()) {
                (
                    Some(SqliteConfig::Spin {
                        path: Some(path), ..
                    }),
                    _,
                ) => base.join(path),
                (Some(SqliteConfig::Spin { path: None, .. }), _) | (None, "default") => {
                    state_dir.join("sqlite_db.db")
                }
                (Some(SqliteConfig::Libsql { .. }), _) => {
                    bail!("SQLite database `{label}` is a libSQL database, which crm cannot open")
                }
                (None, _) => {
                    bail!("SQLite database `{label}` is used but not defined in the runtime config")
                }
            };
            let pool = pool_for(&mut files, &file)
                .with_context(|| format!("SQLite database `{label}`"))?;
            pool.open_to_guest_statements();
            sqlite.insert(label.clone(), pool);
        }
        Ok(Stores { kv, sqlite })
    }
}

/// The pool of `file`, opened once however its path is spelled: two pools of one file would
/// each count its commits, and a read through one would not wait for the other's (see
/// `group_sync.rs`).
fn pool_for(pools: &mut HashMap<PathBuf, Arc<DbPool>>, file: &Path) -> Result<Arc<DbPool>> {
    let key = canonical(file)?;
    if let Some(pool) = pools.get(&key) {
        return Ok(pool.clone());
    }
    let pool = DbPool::open(file)?;
    pools.insert(key, pool.clone());
    Ok(pool)
}

/// `file` with its directory's path resolved (created if missing), so that `./a.db`, `a.db`
/// and a path through a symbolic link name one file.
fn canonical(file: &Path) -> Result<PathBuf> {
    if let Ok(path) = file.canonicalize() {
        return Ok(path);
    }
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = file
        .file_name()
        .with_context(|| format!("{} is not a file name", file.display()))?;
    Ok(dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?
        .join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_labels_are_an_error_and_default_lives_in_the_state_dir() {
        let dir = tempfile::tempdir().unwrap();
        let config = RuntimeConfig::default();
        let err = config
            .open_stores(dir.path(), dir.path(), &["cache".into()], &[])
            .err()
            .unwrap();
        assert!(err.to_string().contains("`cache`"), "{err}");
        config
            .open_stores(
                dir.path(),
                dir.path(),
                &["default".into()],
                &["default".into()],
            )
            .unwrap();
        assert!(dir.path().join("sqlite_key_value.db").exists());
        assert!(dir.path().join("sqlite_db.db").exists());
    }

    #[test]
    fn labels_naming_one_file_share_its_pool_however_the_path_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let config: RuntimeConfig = toml::from_str(
            "[sqlite_database.a]\ntype = \"spin\"\npath = \"data/x.db\"\n\
             [sqlite_database.b]\ntype = \"spin\"\npath = \"./data/../data/x.db\"\n\
             [sqlite_database.c]\ntype = \"spin\"\npath = \"data/y.db\"\n\
             [key_value_store.kv]\ntype = \"spin\"\npath = \"data/./x.db\"\n",
        )
        .unwrap();
        let labels = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let stores = config
            .open_stores(
                dir.path(),
                dir.path(),
                &labels(&["kv"]),
                &labels(&["a", "b", "c"]),
            )
            .unwrap();
        let (a, b, c) = (
            &stores.sqlite["a"],
            &stores.sqlite["b"],
            &stores.sqlite["c"],
        );
        assert!(Arc::ptr_eq(a, b), "one file, one pool");
        assert!(!Arc::ptr_eq(a, c));
        // The key-value store's file is also a database guests write, so a read of a key no
        // one wrote waits for every commit begun (the store's table, here), not for none.
        let (_, number) = stores.kv["kv"].settles_at(Some("unwritten")).unwrap();
        assert_eq!(number, a.sync().begun_so_far());
        assert!(number > 0);
    }

    #[test]
    fn an_unreachable_redis_fails_fast() {
        let config: RuntimeConfig = toml::from_str(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:1\"\n",
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = config
            .open_stores(dir.path(), dir.path(), &["default".into()], &[])
            .err()
            .unwrap();
        assert!(
            format!("{err:#}").contains("cannot connect to Redis"),
            "{err:#}"
        );
    }

    fn load(text: &str) -> Result<RuntimeConfig> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runtime-config.toml");
        std::fs::write(&path, text).unwrap();
        RuntimeConfig::load(Some(&path)).map(|(config, _)| config)
    }

    #[test]
    fn a_libsql_database_stops_startup_and_names_spin() {
        let err = load(
            "[sqlite_database.remote]\ntype = \"libsql\"\nurl = \"https://db.example.com\"\ntoken = \"t\"\n",
        )
        .unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("[sqlite_database.remote]")
                && message.contains("libsql")
                && message.contains("Spin"),
            "{message}"
        );
    }

    #[test]
    fn unknown_keys_are_still_rejected_for_every_database_type() {
        let libsql = load(
            "[sqlite_database.remote]\ntype = \"libsql\"\nurl = \"https://db.example.com\"\ntoken = \"t\"\nreplica = true\n",
        )
        .unwrap_err();
        assert!(format!("{libsql:#}").contains("replica"), "{libsql:#}");
        let spin = load("[sqlite_database.x]\ntype = \"spin\"\nfile = \"a.db\"\n").unwrap_err();
        assert!(format!("{spin:#}").contains("file"), "{spin:#}");
    }

    #[test]
    fn attach_files_may_be_named_off_but_not_on() {
        load("[sqlite_database.x]\ntype = \"spin\"\nallow_attach_file = false\n").unwrap();
        let err =
            load("[sqlite_database.x]\ntype = \"spin\"\nallow_attach_file = true\n").unwrap_err();
        assert!(format!("{err:#}").contains("allow_attach_file"), "{err:#}");
    }

    #[test]
    fn unknown_backend_types_are_rejected() {
        assert!(
            toml::from_str::<RuntimeConfig>("[key_value_store.x]\ntype = \"azure\"\n").is_err()
        );
    }
}
