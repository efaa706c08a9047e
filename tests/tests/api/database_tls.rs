//! `MUISTOT_DATABASE_CA`: TLS to the database, verified against the given roots. Runs a
//! second, private MariaDB server with a certificate from a test CA made here (openssl),
//! as a managed database (RDS) has one from its own CA.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use muistot::db::{self, Db};
use mysql_async::prelude::*;

/// A MariaDB server with TLS on a free loopback port, stopped when dropped.
struct TlsMariaDb {
    dir: tempfile::TempDir,
    port: u16,
    server: Child,
}

impl TlsMariaDb {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        make_ca(d, "ca", "muistot test CA");
        make_ca(d, "other-ca", "another CA");
        make_server_cert(d);
        // Temporary tables in a directory of its own: in the shared /tmp, two servers
        // bootstrapping at once have been seen to delete each other's files.
        std::fs::create_dir(d.join("tmp")).unwrap();
        let tmpdir = format!("--tmpdir={}", d.join("tmp").display());
        run(Command::new(program("mariadb-install-db"))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(&tmpdir)
            .args(["--user=root", "--skip-test-db"]));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let file = |name: &str| d.join(name).display().to_string();
        let server = Command::new(program("mariadbd"))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", file("data")))
            .arg(&tmpdir)
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", file("mysqld.sock")))
            .arg(format!("--pid-file={}", file("mysqld.pid")))
            .arg(format!("--log-error={}", file("error.log")))
            .arg(format!("--ssl-ca={}", file("ca.pem")))
            .arg(format!("--ssl-cert={}", file("server.pem")))
            .arg(format!("--ssl-key={}", file("server.key")))
            // A throwaway server: no accounts to set up, small and quick to start.
            .args([
                "--user=root",
                "--skip-grant-tables",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd");
        let this = Self { dir, port, server };
        for _ in 0..150 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return this;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the TLS MariaDB did not start: {}",
            std::fs::read_to_string(this.dir.path().join("error.log")).unwrap_or_default()
        );
    }

    fn url(&self, host: &str, database: &str) -> String {
        format!("mysql://root@{host}:{}/{database}", self.port)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for TlsMariaDb {
    fn drop(&mut self) {
        self.server.kill().ok();
        self.server.wait().ok();
    }
}

/// A MariaDB program: on `PATH`, or where Debian installs it (`/usr/sbin` is not on every
/// user's `PATH`).
fn program(name: &str) -> PathBuf {
    ["/usr/sbin", "/usr/bin"]
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed CA certificate `<name>.pem` with its key `<name>.key`.
fn make_ca(dir: &Path, name: &str, common_name: &str) {
    let config = dir.join(format!("{name}.cnf"));
    std::fs::write(
        &config,
        format!(
            "[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN={common_name}\n\
             [ext]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\n"
        ),
    )
    .unwrap();
    run(Command::new("openssl")
        .current_dir(dir)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
        ])
        .arg("-config")
        .arg(&config));
}

/// `server.pem`/`server.key`, signed by `ca`, for 127.0.0.1 and localhost.
fn make_server_cert(dir: &Path) {
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(Command::new("openssl").current_dir(dir).args([
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]));
    run(Command::new("openssl").current_dir(dir).args([
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]));
}

#[tokio::test]
async fn database_ca_makes_every_connection_tls_verified() {
    let server = TlsMariaDb::start().await;
    let ca = server.file("ca.pem");
    let url = server.url("127.0.0.1", "muistot_tls");

    // The start-up path: create the database, then the pool; both over TLS.
    db::create_database(&url, Some(&ca)).await.unwrap();
    let pool = Db::new(&url, Some(&ca), Duration::from_secs(10)).unwrap();
    pool.ping().await.unwrap();
    let mut conn = pool.conn().await.unwrap();
    let cipher: Option<(String, String)> = conn
        .query_first("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .await
        .unwrap();
    let (_, cipher) = cipher.unwrap();
    assert!(!cipher.is_empty(), "the connection is not encrypted");
    let database: Option<String> = conn.query_first("SELECT DATABASE()").await.unwrap();
    assert_eq!(database.as_deref(), Some("muistot_tls"));
    drop(conn);
    pool.pool().clone().disconnect().await.ok();

    // The same name under another host name is checked too (the certificate names both).
    let by_name = Db::new(
        &server.url("localhost", "muistot_tls"),
        Some(&ca),
        Duration::from_secs(10),
    )
    .unwrap();
    by_name.ping().await.unwrap();

    // A server whose certificate does not chain to the given roots is refused, both by the
    // pool (503, as any unreachable database) and by the start-up path.
    let other = server.file("other-ca.pem");
    let refused = Db::new(&url, Some(&other), Duration::from_secs(10)).unwrap();
    let e = refused.ping().await.unwrap_err();
    assert_eq!(muistot::http::envelope::status(&e).as_u16(), 503, "{e:?}");
    assert!(db::create_database(&url, Some(&other)).await.is_err());
}

/// Without `MUISTOT_DATABASE_CA`, the URL's own TLS settings apply, and a TLS connection
/// never panics for want of a rustls crypto provider (both ring and aws-lc-rs are linked).
#[tokio::test]
async fn url_tls_settings_apply_without_a_ca() {
    let server = TlsMariaDb::start().await;
    let url = server.url("127.0.0.1", "");
    let encrypted_only = format!("{url}?require_ssl=true&verify_ca=false");
    let pool = Db::new(&encrypted_only, None, Duration::from_secs(10)).unwrap();
    let mut conn = pool.conn().await.unwrap();
    let cipher: Option<(String, String)> = conn
        .query_first("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        .await
        .unwrap();
    assert!(
        !cipher.unwrap().1.is_empty(),
        "the connection is not encrypted"
    );
    drop(conn);
    // Verified against the web PKI roots only: this server's CA is not one of them.
    let web_pki = Db::new(
        &format!("{url}?require_ssl=true"),
        None,
        Duration::from_secs(10),
    )
    .unwrap();
    let e = web_pki.ping().await.unwrap_err();
    assert_eq!(muistot::http::envelope::status(&e).as_u16(), 503);
}
