//! The same store scenarios against a real PostgreSQL server started by the test on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use softcall::store::Store;

use super::{block_on, promises, recovery, scenarios};

fn find_bin(name: &str) -> Option<PathBuf> {
    let from_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    from_path.or_else(|| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
            .filter(|p| p.is_file())
            .collect();
        dirs.sort();
        dirs.pop()
    })
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Runs a PostgreSQL binary, as the `postgres` user when we are root (the server refuses to run as root).
fn pg_command(bin: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin).args(args);
        c
    } else {
        let mut c = Command::new(bin);
        c.args(args);
        c
    }
}

struct Server {
    child: Child,
    pg_ctl: Option<PathBuf>,
    data: PathBuf,
    _dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(pg_ctl) = &self.pg_ctl {
            let data = self.data.display().to_string();
            let _ = pg_command(
                pg_ctl,
                &["stop", "-D", &data, "-m", "immediate", "-w", "-t", "10"],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn start() -> Option<Server> {
    let (Some(initdb), Some(postgres)) = (find_bin("initdb"), find_bin("postgres")) else {
        crate::skip::missing("postgres not installed (apt-get install postgresql)");
        return None;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("pgdata");
    let sock = dir.path().join("sock");
    std::fs::create_dir_all(&sock).unwrap();
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .expect("chown");
        assert!(status.success(), "chown of the temp dir failed");
    }
    let data_s = data.display().to_string();
    let out = pg_command(
        &initdb,
        &[
            "-D",
            &data_s,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
    )
    .output()
    .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let child = pg_command(
        &postgres,
        &[
            "-D",
            &data_s,
            "-k",
            &sock.display().to_string(),
            "-p",
            &port.to_string(),
            "-h",
            "127.0.0.1",
            "-F",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("start postgres");
    Some(Server {
        child,
        pg_ctl: find_bin("pg_ctl"),
        data,
        _dir: dir,
        port,
    })
}

async fn connect(url: &str) -> Store {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Store::open(url).await {
            Ok(s) => return s,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("postgres did not come up within 30 s: {e}"),
        }
    }
}

async fn fresh_db(port: u16, name: &str) -> Store {
    use sqlx::Connection;
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut admin = loop {
        match sqlx::PgConnection::connect(&url).await {
            Ok(c) => break c,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Err(e) => panic!("postgres did not come up within 30 s: {e}"),
        }
    };
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    admin.close().await.expect("close admin connection");
    connect(&format!("postgres://postgres@127.0.0.1:{port}/{name}")).await
}

#[test]
fn postgres_store_scenarios() {
    let Some(server) = start() else {
        return;
    };
    let port = server.port;
    block_on(async move {
        let s = fresh_db(port, "import_reimport").await;
        scenarios::import_and_reimport(&s).await;
        let s = fresh_db(port, "all_or_nothing").await;
        scenarios::all_or_nothing(&s).await;
        let s = fresh_db(port, "history").await;
        scenarios::history_promises_and_payments(&s).await;
        let s = fresh_db(port, "crash").await;
        scenarios::crash_recovery(&s).await;
        let s = fresh_db(port, "inbound").await;
        scenarios::inbound_contacts(&s).await;
        let s = fresh_db(port, "reimport_keeps").await;
        scenarios::reimport_keeps_payments_and_hand_overs(&s).await;
        let s = fresh_db(port, "language").await;
        scenarios::language_and_creditor_phone(&s).await;
        let s = fresh_db(port, "lost_call").await;
        recovery::lost_call_holds_then_next_phone(&s).await;
        let s = fresh_db(port, "confirmation").await;
        promises::promise_confirmed_once(&s).await;
    });
    drop(server);
}
