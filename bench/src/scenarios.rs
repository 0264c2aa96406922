//! The load: N workers sharing one work counter, every request timed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::json;

use crate::server::Cluster;
use crate::{Args, Scenario};

#[derive(Default)]
pub struct Outcome {
    /// Latency of every request, microseconds.
    pub latencies: Vec<u64>,
    pub errors: usize,
    /// A few distinct error statuses with a body sample.
    pub error_samples: Vec<String>,
    pub elapsed: Duration,
    /// Users created by the scenario itself (sync/create).
    pub users_created: usize,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.users_created += other.users_created;
        for s in other.error_samples {
            if self.error_samples.len() < 5 {
                self.error_samples.push(s);
            }
        }
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Client {
    async fn send(&self, req: reqwest::RequestBuilder, out: &mut Outcome) -> Option<serde_json::Value> {
        let start = Instant::now();
        let res = req.header("Authorization", &self.auth).header("Content-Type", "application/scim+json").send().await;
        let result = match res {
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                if status.is_success() {
                    Some(serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
                } else {
                    out.errors += 1;
                    if out.error_samples.len() < 5 {
                        out.error_samples.push(format!("{status}: {}", body.chars().take(200).collect::<String>()));
                    }
                    None
                }
            }
            Err(e) => {
                out.errors += 1;
                if out.error_samples.len() < 5 {
                    out.error_samples.push(e.to_string());
                }
                None
            }
        };
        out.latencies.push(start.elapsed().as_micros() as u64);
        result
    }

    async fn create(&self, n: usize, out: &mut Outcome) -> bool {
        let name = user_name(n);
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "name": {"givenName": "Bench", "familyName": format!("User{n}")},
                          "displayName": format!("Bench User {n}"), "emails": [{"value": name, "type": "work", "primary": true}], "active": true});
        self.send(self.http.post(format!("{}/Users", self.base)).body(body.to_string()), out).await.is_some()
    }

    async fn lookup(&self, n: usize, out: &mut Outcome) -> Option<String> {
        let url = format!("{}/Users?filter=userName%20eq%20%22{}%22", self.base, user_name(n).replace('@', "%40"));
        let body = self.send(self.http.get(url), out).await?;
        body["Resources"][0]["id"].as_str().map(str::to_string)
    }
}

fn user_name(n: usize) -> String {
    format!("user{n}@bench.example.com")
}

async fn parallel<F, Fut>(concurrency: usize, make: F) -> Outcome
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Outcome> + Send + 'static,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency).map(|w| tokio::spawn(make(w))).collect();
    let mut total = Outcome::default();
    for t in tasks {
        if let Ok(o) = t.await {
            total.merge(o);
        }
    }
    total.elapsed = start.elapsed();
    total
}

/// One client per instance; worker `w` talks to instance `w % n`.
struct Clients(Vec<Arc<Client>>);

impl Clients {
    fn new(cluster: &Cluster) -> Clients {
        let http = reqwest::Client::new();
        let auth = format!("Bearer {}", cluster.token);
        Clients(cluster.bases().into_iter().map(|base| Arc::new(Client { http: http.clone(), base, auth: auth.clone() })).collect())
    }

    fn worker(&self, w: usize) -> Arc<Client> {
        self.0[w % self.0.len()].clone()
    }
}

/// Creates users 0..n with `concurrency` workers; `lookup_first` does
/// JumpCloud's lookup before each create.
async fn create_all(cs: &Clients, n: usize, concurrency: usize, lookup_first: bool) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    parallel(concurrency, |w| {
        let (c, next) = (cs.worker(w), next.clone());
        async move {
            let mut out = Outcome::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                if lookup_first && c.lookup(i, &mut out).await.is_some() {
                    continue;
                }
                if c.create(i, &mut out).await {
                    out.users_created += 1;
                }
            }
            out
        }
    })
    .await
}

pub async fn run(args: &Args, cluster: &Cluster) -> anyhow::Result<Outcome> {
    let cs = Clients::new(cluster);
    let outcome = match args.scenario {
        Scenario::Sync => create_all(&cs, args.users, args.concurrency, true).await,
        Scenario::Create => create_all(&cs, args.users, args.concurrency, false).await,
        Scenario::Members => {
            let preload = create_all(&cs, args.users, args.concurrency, false).await;
            anyhow::ensure!(preload.errors == 0, "preload failed: {:?}", preload.error_samples);
            let ids = Arc::new(collect_ids(&cs.worker(0), args.users).await?);
            let group = big_group(&cs.worker(0), &ids).await?;
            let deadline = Instant::now() + Duration::from_secs(args.seconds);
            parallel(args.concurrency, move |w| {
                let (c, ids, group) = (cs.worker(w), ids.clone(), group.clone());
                async move {
                    let mut out = Outcome::default();
                    while Instant::now() < deadline {
                        let id = &ids[rand::thread_rng().gen_range(0..ids.len())];
                        for ops in [
                            json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
                            json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
                        ] {
                            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
                            c.send(c.http.patch(format!("{}/Groups/{group}", c.base)).body(body.to_string()), &mut out).await;
                        }
                    }
                    out
                }
            })
            .await
        }
        Scenario::Filter | Scenario::Patch => {
            let preload = create_all(&cs, args.users, args.concurrency, false).await;
            anyhow::ensure!(preload.errors == 0, "preload failed: {:?}", preload.error_samples);
            let ids =
                if matches!(args.scenario, Scenario::Patch) { Some(Arc::new(collect_ids(&cs.worker(0), args.users).await?)) } else { None };
            let deadline = Instant::now() + Duration::from_secs(args.seconds);
            let users = args.users;
            parallel(args.concurrency, move |w| {
                let (c, ids) = (cs.worker(w), ids.clone());
                async move {
                    let mut out = Outcome::default();
                    let mut flip = w % 2 == 0;
                    while Instant::now() < deadline {
                        let n = rand::thread_rng().gen_range(0..users);
                        match &ids {
                            None => {
                                c.lookup(n, &mut out).await;
                            }
                            Some(ids) => {
                                flip = !flip;
                                let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": flip}]});
                                c.send(c.http.patch(format!("{}/Users/{}", c.base, ids[n])).body(body.to_string()), &mut out).await;
                            }
                        }
                    }
                    out
                }
            })
            .await
        }
    };
    Ok(outcome)
}

/// A group holding every one of `ids`, filled 1 000 members a PATCH.
async fn big_group(c: &Arc<Client>, ids: &[String]) -> anyhow::Result<Arc<String>> {
    let mut out = Outcome::default();
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone"});
    let created = c.send(c.http.post(format!("{}/Groups", c.base)).body(body.to_string()), &mut out).await;
    let id = created
        .and_then(|g| g["id"].as_str().map(str::to_string))
        .ok_or_else(|| anyhow::anyhow!("group create failed: {:?}", out.error_samples))?;
    for chunk in ids.chunks(1000) {
        let members: Vec<_> = chunk.iter().map(|m| json!({"value": m})).collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": members}]});
        c.send(c.http.patch(format!("{}/Groups/{id}", c.base)).body(body.to_string()), &mut out).await;
    }
    anyhow::ensure!(out.errors == 0, "filling the group failed: {:?}", out.error_samples);
    Ok(Arc::new(id))
}

async fn collect_ids(c: &Arc<Client>, n: usize) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    let mut start = 1;
    let mut out = Outcome::default();
    while ids.len() < n {
        let url = format!("{}/Users?startIndex={start}&count=1000&attributes=id", c.base);
        let page = c.send(c.http.get(url), &mut out).await.ok_or_else(|| anyhow::anyhow!("paging failed: {:?}", out.error_samples))?;
        let items = page["Resources"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        ids.extend(items.iter().filter_map(|u| u["id"].as_str().map(str::to_string)));
        start += items.len();
    }
    Ok(ids)
}
