//! The operator CLI, run as the real binary.

use std::process::Command;

use lanyard_testkit::{Scim, TestDatabase, json};
use serde_json::Value;

struct Cli {
    db: String,
    _database: TestDatabase,
}

/// Runs the `lanyard` command on `db`: whether it succeeded, stdout, stderr.
pub(crate) fn lanyard(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lanyard"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("LANYARD_DATABASE_URL")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

impl Cli {
    async fn new() -> Cli {
        let database = TestDatabase::new().await;
        Cli { db: database.url.clone(), _database: database }
    }
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        lanyard(&self.db, args)
    }
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let (ok, out, err) = self.run(&all);
        assert!(ok, "lanyard {args:?} failed: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }
}

#[tokio::test]
async fn tenants_tokens_and_seats_from_the_command_line() {
    let cli = Cli::new().await;
    let t = cli.json(&["tenant", "create", "acme", "--name", "Acme Inc", "--seats", "5", "--public-url", "https://id.example.com"]);
    assert_eq!(t["slug"], "acme");
    assert_eq!(t["scim_base_url"], "https://id.example.com/scim/v2/acme");
    let (ok, _, err) = cli.run(&["tenant", "create", "acme"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = cli.run(&["tenant", "create", "Bad Slug"]);
    assert!(!ok && err.contains("invalid slug"), "{err}");

    let list = cli.json(&["tenant", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(cli.json(&["tenant", "show", "acme"])["name"], "Acme Inc");

    let token = cli.json(&["token", "create", "acme", "--label", "jumpcloud", "--expires-in", "90d"]);
    let secret = token["token"].as_str().unwrap();
    assert!(secret.starts_with("lyd_"));
    let id = token["id"].as_str().unwrap().to_string();
    let tokens = cli.json(&["token", "list", "acme"]);
    assert_eq!(tokens[0]["id"], id.as_str());
    assert_eq!(tokens[0]["label"], "jumpcloud");
    assert!(!tokens.to_string().contains(secret), "the secret is never shown again");
    assert!(tokens[0]["expires"].is_string());
    cli.json(&["token", "revoke", "acme", &id]);
    assert!(cli.json(&["token", "list", "acme"])[0]["revoked"].is_string());
    let (ok, _, _) = cli.run(&["token", "revoke", "acme", "nope"]);
    assert!(!ok);

    assert_eq!(cli.json(&["seats", "show", "acme"]), json!({"limit": 5, "assigned": 0, "pending": 0}));
    assert_eq!(cli.json(&["seats", "set", "acme", "unlimited"])["limit"], Value::Null);
    assert_eq!(cli.json(&["seats", "set", "acme", "7"])["limit"], 7);
    let (ok, _, _) = cli.run(&["seats", "set", "acme", "-1"]);
    assert!(!ok);
    assert_eq!(cli.json(&["seats", "list", "acme"]), json!([]));
    let audit = cli.json(&["audit", "acme"]);
    assert_eq!(audit.as_array().unwrap().len(), 2);

    let key = cli.json(&["api-key", "create", "--tenant", "acme", "--label", "app"]);
    let (key_id, secret) = (key["id"].as_str().unwrap().to_string(), key["key"].as_str().unwrap().to_string());
    assert!(secret.starts_with("lya_") && key["tenant"] == "acme");
    let keys = cli.json(&["api-key", "list"]);
    assert_eq!((keys[0]["id"].as_str(), keys[0]["label"].as_str()), (Some(key_id.as_str()), Some("app")));
    assert!(!keys.to_string().contains(&secret), "the key is never shown again");
    cli.json(&["api-key", "revoke", &key_id]);
    assert!(cli.json(&["api-key", "list"])[0]["revoked"].is_string());
    assert!(!cli.run(&["api-key", "create", "--tenant", "nope"]).0);

    cli.json(&["tenant", "delete", "acme"]);
    assert_eq!(cli.json(&["tenant", "list"]), json!([]));
}

#[tokio::test]
async fn serve_bootstraps_the_default_tenant_and_prints_how_to_connect() {
    let cli = Cli::new().await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lanyard"))
        .args(["--database", &cli.db, "serve", "--listen", &listen])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut token) = (String::new(), String::new());
    while let Ok(Some(line)) = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line()).await.unwrap() {
        if let Some(v) = line.trim().strip_prefix("SCIM Base URL :") {
            base = v.trim().to_string();
        }
        if let Some(v) = line.trim().strip_prefix("Bearer Token  :") {
            token = v.trim().to_string();
            break;
        }
    }
    assert_eq!(base, format!("http://{listen}/scim/v2/default"));
    let scim = Scim::new(&base, &token);
    let mut ready = false;
    for _ in 0..100 {
        if reqwest::get(format!("http://{listen}/healthz")).await.is_ok_and(|r| r.status() == 200) {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready);
    scim.get("/Users").await.expect(200);
    scim.create_user("first@example.com").await;
    scim.with_token("lyd_wrong").get("/Users").await.expect(401);
    child.kill().await.unwrap();
    // Every request is logged with its tenant and token id, never the token.
    let mut log = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        log.push(line);
    }
    let token_id = cli.json(&["token", "list", "default"])[0]["id"].as_str().unwrap().to_string();
    let request_lines =
        |status: &str| log.iter().filter(|l| l.contains("request") && l.contains(&format!("status={status}"))).cloned().collect::<Vec<_>>();
    let ok = request_lines("200");
    assert!(
        ok.iter().any(|l| l.contains("method=GET")
            && l.contains("path=/scim/v2/default/Users")
            && l.contains("tenant=default")
            && l.contains(&format!("token_id={token_id}"))
            && l.contains("latency_ms=")),
        "{log:#?}"
    );
    assert!(request_lines("201").iter().any(|l| l.contains("method=POST")), "{log:#?}");
    assert!(request_lines("401").iter().any(|l| l.contains("path=/scim/v2/default/Users")), "{log:#?}");
    let mut logged = log.iter().filter(|l| l.contains("status="));
    assert!(logged.all(|l| !l.contains(&token) && !l.contains("lyd_wrong")), "a token was logged: {log:#?}");
    // A second start prints no new token: the database is not empty.
    let (ok, out, _) = cli.run(&["tenant", "list"]);
    assert!(ok && out.contains("default"));
}
