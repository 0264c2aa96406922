//! Several `lanyard serve` processes on one PostgreSQL database, driven at
//! once: uniqueness, seats, group members, If-Match and token revocation
//! hold across instances. These always run on PostgreSQL.

use std::process::Stdio;
use std::time::{Duration, Instant};

use lanyard_database::{DbOptions, open_migrated};
use lanyard_domain::{Config, Lanyard};
use lanyard_testkit::{Scim, TestDatabase, json, patch_op};
use reqwest::Method;
use tokio::process::{Child, Command};

use crate::seat_invariant::{LIMIT, stress_seats};

/// One `lanyard serve` process.
pub struct Instance {
    pub url: String,
    child: Child,
    _log: tempfile::NamedTempFile,
}

impl Instance {
    pub async fn start(database: &str) -> Instance {
        Self::start_with(database, &[], &[("RUST_LOG", "warn")]).await
    }

    /// With more `serve` flags and environment variables.
    pub async fn start_with(database: &str, serve_args: &[&str], env: &[(&str, &str)]) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}");
        let listen = format!("127.0.0.1:{port}");
        let args = [&["--listen", listen.as_str(), "--public-url", url.as_str()], serve_args].concat();
        Self::launch(database, url.clone(), &args, env, &reqwest::Client::new()).await
    }

    /// Over HTTPS: `serve_args` carry the TLS flags, `client` trusts the
    /// server's certificate. No `--public-url`: it defaults to `https://LISTEN`.
    pub async fn start_https(database: &str, serve_args: &[&str], env: &[(&str, &str)], client: &reqwest::Client) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let listen = format!("127.0.0.1:{port}");
        let args = [&["--listen", listen.as_str()], serve_args].concat();
        Self::launch(database, format!("https://{listen}"), &args, env, client).await
    }

    /// Starts `lanyard serve` with `serve_args` and waits until `url` is ready.
    async fn launch(database: &str, url: String, serve_args: &[&str], env: &[(&str, &str)], client: &reqwest::Client) -> Instance {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_lanyard"))
            .args(["--database", database, "serve"])
            .args(serve_args)
            .envs(env.iter().copied())
            // Appending, both: two handles at their own offsets would overwrite each other.
            .stdout(Stdio::from(append_to(log.path())))
            .stderr(Stdio::from(append_to(log.path())))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while client.get(format!("{url}/readyz")).send().await.map(|r| r.status() != 200).unwrap_or(true) {
            if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                panic!("instance on {url} did not become ready:\n{}", std::fs::read_to_string(log.path()).unwrap_or_default());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Instance { url, child, _log: log }
    }

    /// Sends SIGTERM and waits for the process to exit; its exit status.
    pub async fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await.expect("exits after SIGTERM").unwrap()
    }

    /// Sends SIGKILL and waits for the process to be gone.
    pub async fn kill(&mut self) {
        self.child.kill().await.unwrap();
    }

    /// Everything the process wrote to standard output and error so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._log.path()).unwrap_or_default()
    }

    pub fn scim(&self, slug: &str, token: &str) -> Scim {
        Scim::new(&format!("{}/scim/v2/{slug}", self.url), token)
    }
}

fn append_to(path: &std::path::Path) -> std::fs::File {
    std::fs::OpenOptions::new().append(true).open(path).unwrap()
}

/// A PostgreSQL database with two instances on it, a tenant and a client
/// of that tenant through each instance.
struct Cluster {
    app: Lanyard,
    scim: [Scim; 2],
    _instances: [Instance; 2],
    db: TestDatabase,
}

impl Cluster {
    async fn start(slug: &str, seats: Option<i64>) -> Cluster {
        let db = TestDatabase::postgres().await;
        // Migrated here first; the instances migrate again at start, at once.
        let store = open_migrated(&db.url, &DbOptions::default()).await.unwrap();
        let app = Lanyard::new(store, Config::new("http://127.0.0.1"));
        let (a, b) = tokio::join!(Instance::start(&db.url), Instance::start(&db.url));
        app.create_tenant(slug, None, seats).await.unwrap();
        let token = app.create_token(slug, Some("test"), None).await.unwrap().token;
        let scim = [a.scim(slug, &token), b.scim(slug, &token)];
        Cluster { app, scim, _instances: [a, b], db }
    }
}

#[tokio::test]
async fn instances_started_at_once_on_an_empty_database_all_migrate() {
    let db = TestDatabase::postgres().await;
    let instances = tokio::join!(Instance::start(&db.url), Instance::start(&db.url), Instance::start(&db.url));
    for i in [&instances.0, &instances.1, &instances.2] {
        assert_eq!(reqwest::get(format!("{}/readyz", i.url)).await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn readyz_reports_the_database_and_healthz_the_process() {
    let db = TestDatabase::postgres().await;
    let instance = Instance::start(&db.url).await;
    let status = async |path: &str| reqwest::get(format!("{}{path}", instance.url)).await.unwrap().status().as_u16();
    assert_eq!((status("/readyz").await, status("/healthz").await), (200, 200));
    db.drop_now().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while status("/readyz").await != 503 {
        assert!(Instant::now() < deadline, "/readyz still ready without its database");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status("/healthz").await, 200, "the process itself is fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_finishes_the_requests_in_flight_then_exits() {
    let c = Cluster::start("acme", None).await;
    let mut instance = Instance::start(&c.db.url).await;
    let scim = instance.scim("acme", &c.scim[0].token);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let scim = scim.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"userName": format!("drain{i}@example.com")});
            match scim.http.post(format!("{}/Users", scim.base)).bearer_auth(&scim.token).json(&body).send().await {
                Ok(res) => Some((res.status().as_u16(), res.text().await.is_ok())),
                // Refused after the listener closed, or sent on a pooled
                // keep-alive connection the server was closing: such a
                // request was never processed (checked below).
                Err(_) => None,
            }
        }));
    }
    // SIGTERM once the instance is writing: a fixed pause was too short on
    // a loaded machine (nothing in flight yet, nothing answered).
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.scim[0].get("/Users?count=0").await.body["totalResults"].as_u64().unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "the instance stored nothing in 10 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(instance.terminate().await.success(), "a clean exit");
    let mut answered = 0;
    for t in tasks {
        if let Some((status, body_read)) = t.await.unwrap() {
            assert_eq!(status, 201);
            assert!(body_read);
            answered += 1;
        }
    }
    assert!(answered > 0);
    // Every create the instance processed was answered: the stored users
    // are exactly the answered ones.
    let stored = c.scim[0].get("/Users?count=0").await;
    assert_eq!(stored.body["totalResults"], answered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_creates_through_both_instances_give_one_user() {
    let c = Cluster::start("acme", None).await;
    for round in 0..5 {
        let body = json!({"userName": format!("race{round}@example.com"), "active": true});
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let scim = c.scim[i % 2].clone();
                let body = body.clone();
                tokio::spawn(async move { scim.post("/Users", &body).await })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            let res = t.await.unwrap();
            match res.status.as_u16() {
                201 => created += 1,
                _ => {
                    res.expect_error(409, Some("uniqueness"));
                }
            }
        }
        assert_eq!(created, 1, "round {round}");
    }
    let listed = c.scim[1].get("/Users?count=0").await;
    assert_eq!(listed.body["totalResults"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_seat_invariant_holds_across_instances() {
    let c = Cluster::start("acme", Some(LIMIT)).await;
    stress_seats(&c.scim, &c.app, "acme").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_member_patches_through_both_instances_all_apply() {
    let c = Cluster::start("acme", None).await;
    let mut users = Vec::new();
    for i in 0..40 {
        users.push(c.scim[i % 2].create_user(&format!("m{i}@example.com")).await);
    }
    let group = c.scim[0].post("/Groups", &json!({"displayName": "Everyone"})).await;
    group.expect(201);
    let path = format!("/Groups/{}", group.id());
    let tasks: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let scim = c.scim[i % 2].clone();
            let (path, u) = (path.clone(), u.clone());
            tokio::spawn(async move {
                let op = patch_op(json!([{"op": "add", "path": "members", "value": [{"value": u}]}]));
                scim.patch(&path, &op).await.expect(204);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let got = c.scim[1].get(&path).await;
    assert_eq!(got.body["members"].as_array().unwrap().len(), users.len(), "{}", got.text);

    // Remove half concurrently, through both.
    let tasks: Vec<_> = users
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(i, u)| {
            let scim = c.scim[(i / 2) % 2].clone();
            let (path, u) = (path.clone(), u.clone());
            tokio::spawn(async move {
                let op = patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{u}\"]")}]));
                scim.patch(&path, &op).await.expect(204);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let got = c.scim[0].get(&path).await;
    let mut left: Vec<String> = got.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap().to_string()).collect();
    left.sort();
    let mut odd: Vec<String> = users.iter().enumerate().filter(|(i, _)| i % 2 == 1).map(|(_, u)| u.clone()).collect();
    odd.sort();
    assert_eq!(left, odd);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn puts_with_if_match_through_both_instances_lose_no_update() {
    let c = Cluster::start("acme", None).await;
    let id = c.scim[0].create_user("contended@example.com").await;
    let path = format!("/Users/{id}");
    let tasks: Vec<_> = (0..8)
        .map(|w| {
            let scim = c.scim[w % 2].clone();
            let path = path.clone();
            tokio::spawn(async move {
                let (mut won, mut lost) = (Vec::new(), 0);
                for n in 0..15 {
                    let got = scim.get(&path).await;
                    let etag = got.header("etag").unwrap().to_string();
                    let title = format!("w{w}-{n}");
                    let body = json!({"userName": "contended@example.com", "title": title});
                    let res = scim.send(Method::PUT, &path, Some(&body), &[("If-Match", &etag)]).await;
                    match res.status.as_u16() {
                        200 => won.push((res.header("etag").unwrap().to_string(), title)),
                        _ => {
                            res.expect_error(412, None);
                            lost += 1;
                        }
                    }
                }
                (won, lost)
            })
        })
        .collect();
    let mut wins = Vec::new();
    let mut losses = 0;
    for t in tasks {
        let (won, lost) = t.await.unwrap();
        wins.extend(won);
        losses += lost;
    }
    assert_eq!(wins.len() + losses, 8 * 15);
    // Every accepted PUT made its own version: none was overwritten unseen.
    let mut etags: Vec<&String> = wins.iter().map(|(e, _)| e).collect();
    etags.sort();
    etags.dedup();
    assert_eq!(etags.len(), wins.len(), "two PUTs were accepted on the same version");
    let last = c.scim[1].get(&path).await;
    let version = |etag: &str| etag.trim_start_matches("W/").trim_matches('"').parse::<usize>().unwrap();
    assert_eq!(version(last.header("etag").unwrap()), 1 + wins.len(), "one version per accepted PUT");
    let newest = wins.iter().max_by_key(|(e, _)| version(e)).unwrap();
    assert_eq!(last.body["title"], newest.1.as_str(), "the last accepted PUT is what is stored");
}

#[tokio::test]
async fn a_token_revoked_anywhere_stops_working_everywhere_within_five_seconds() {
    let c = Cluster::start("acme", None).await;
    let extra = c.app.create_token("acme", Some("rotating"), None).await.unwrap();
    let through = [c.scim[0].with_token(&extra.token), c.scim[1].with_token(&extra.token)];
    for scim in &through {
        scim.get("/Users").await.expect(200); // now cached by both instances
    }
    // Revoked through a third party on the same database (the CLI, or
    // another instance's admin API).
    c.app.revoke_token("acme", &extra.id).await.unwrap();
    let revoked_at = Instant::now();
    for scim in &through {
        loop {
            if scim.get("/Users").await.status == 401 {
                break;
            }
            assert!(revoked_at.elapsed() < Duration::from_secs(5), "a revoked token still works after 5 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // The tenant's other token is untouched.
    c.scim[0].get("/Users").await.expect(200);
    c.scim[1].get("/Users").await.expect(200);
}
