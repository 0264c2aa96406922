//! The load: N workers sharing one work counter, every request timed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::json;

use crate::seed::{user_body, user_name};
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
    fn error(&mut self, sample: String) {
        self.errors += 1;
        if self.error_samples.len() < 5 {
            self.error_samples.push(sample);
        }
    }

    /// Requests a second.
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// `other` taken in, run after this: its time adds to this one's.
    pub fn absorb(&mut self, other: Outcome) {
        self.elapsed += other.elapsed;
        self.merge(other);
    }

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

/// One instance as seen by a worker: its address and every tenant's
/// credentials (user `n` belongs to tenant `n % tenants`).
struct Client {
    http: reqwest::Client,
    root: String,
    tenants: Arc<Vec<(String, String)>>,
}

impl Client {
    /// `{root}/{slug}` and the Authorization header of user `n`'s tenant.
    fn tenant(&self, n: usize) -> (String, &str) {
        let (slug, auth) = &self.tenants[n % self.tenants.len()];
        (format!("{}/{slug}", self.root), auth)
    }

    /// The parsed body of a 2xx answer; anything else is counted as an error.
    async fn send(&self, req: reqwest::RequestBuilder, auth: &str, out: &mut Outcome) -> Option<serde_json::Value> {
        let body = self.send_text(req, auth, out).await?;
        Some(serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
    }

    /// The body of a 2xx answer as text, timed up to its last byte.
    async fn send_text(&self, req: reqwest::RequestBuilder, auth: &str, out: &mut Outcome) -> Option<String> {
        let start = Instant::now();
        let res = req.header("Authorization", auth).header("Content-Type", "application/scim+json").send().await;
        let result = match res {
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                if status.is_success() {
                    Some(body)
                } else {
                    out.error(format!("{status}: {}", body.chars().take(200).collect::<String>()));
                    None
                }
            }
            Err(e) => {
                out.error(e.to_string());
                None
            }
        };
        out.latencies.push(start.elapsed().as_micros() as u64);
        result
    }

    async fn create(&self, n: usize, out: &mut Outcome) -> bool {
        let (base, auth) = self.tenant(n);
        self.send(self.http.post(format!("{base}/Users")).body(user_body(n).to_string()), auth, out).await.is_some()
    }

    fn lookup_request(&self, n: usize) -> (reqwest::RequestBuilder, &str) {
        let (base, auth) = self.tenant(n);
        let url = format!("{base}/Users?filter=userName%20eq%20%22{}%22", user_name(n).replace('@', "%40"));
        (self.http.get(url), auth)
    }

    /// JumpCloud's lookup before a create: the id of user `n`, if it exists.
    async fn lookup(&self, n: usize, out: &mut Outcome) -> Option<String> {
        let (req, auth) = self.lookup_request(n);
        let body = self.send(req, auth, out).await?;
        body["Resources"][0]["id"].as_str().map(str::to_string)
    }

    /// A lookup of a user that exists; finding none is an error. The body
    /// is searched, not parsed, so the load generator spends on a lookup
    /// about what it spends on the baseline's read.
    async fn lookup_existing(&self, n: usize, out: &mut Outcome) {
        let (req, auth) = self.lookup_request(n);
        if let Some(body) = self.send_text(req, auth, out).await
            && !body.contains("\"totalResults\":1,")
        {
            out.error(format!("user {n} not found: {}", body.chars().take(200).collect::<String>()));
        }
    }

    async fn patch(&self, n: usize, resource: &str, operations: serde_json::Value, out: &mut Outcome) {
        let (base, auth) = self.tenant(n);
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
        self.send(self.http.patch(format!("{base}/{resource}")).body(body.to_string()), auth, out).await;
    }
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
        let tenants = Arc::new(cluster.seed.tenants.iter().map(|t| (t.slug.clone(), format!("Bearer {}", t.token))).collect::<Vec<_>>());
        Clients(cluster.bases().into_iter().map(|root| Arc::new(Client { http: http.clone(), root, tenants: tenants.clone() })).collect())
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

/// Runs `body(client, out)` on every worker until `seconds` have passed.
async fn for_seconds<F, Fut>(cs: &Clients, concurrency: usize, seconds: u64, body: F) -> Outcome
where
    F: Fn(Arc<Client>, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Outcome> + Send + 'static,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let body = Arc::new(body);
    parallel(concurrency, |w| {
        let (c, body) = (cs.worker(w), body.clone());
        async move {
            let mut total = Outcome::default();
            while Instant::now() < deadline {
                total.merge(body(c.clone(), w).await);
            }
            total
        }
    })
    .await
}

pub async fn run(args: &Args, cluster: &Cluster) -> anyhow::Result<Outcome> {
    let cs = Clients::new(cluster);
    let users = args.users;
    let ids = Arc::new(cluster.seed.user_ids.clone());
    let outcome = match args.scenario {
        Scenario::Sync => create_all(&cs, users, args.concurrency, true).await,
        Scenario::Create => create_all(&cs, users, args.concurrency, false).await,
        Scenario::Filter => {
            for_seconds(&cs, args.concurrency, args.seconds, move |c, _| async move {
                let mut out = Outcome::default();
                let n = rand::thread_rng().gen_range(0..users);
                c.lookup_existing(n, &mut out).await;
                out
            })
            .await
        }
        Scenario::Patch => {
            for_seconds(&cs, args.concurrency, args.seconds, move |c, _| {
                let ids = ids.clone();
                async move {
                    let mut out = Outcome::default();
                    let n = rand::thread_rng().gen_range(0..users);
                    for active in [false, true] {
                        c.patch(n, &format!("Users/{}", ids[n]), json!([{"op": "replace", "path": "active", "value": active}]), &mut out)
                            .await;
                    }
                    out
                }
            })
            .await
        }
        Scenario::Members => {
            anyhow::ensure!(args.tenants == 1, "the members scenario uses one tenant");
            let group = big_group(&cs.worker(0), &ids).await?;
            for_seconds(&cs, args.concurrency, args.seconds, move |c, _| {
                let (ids, group) = (ids.clone(), group.clone());
                async move {
                    let mut out = Outcome::default();
                    let n = rand::thread_rng().gen_range(0..users);
                    let id = &ids[n];
                    for ops in [
                        json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
                        json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
                    ] {
                        c.patch(n, &format!("Groups/{group}"), ops, &mut out).await;
                    }
                    out
                }
            })
            .await
        }
        Scenario::Page => page_all(&cs, users.div_ceil(args.tenants), args.concurrency).await,
        Scenario::Acs => acs::run(args, cluster).await?,
        Scenario::Baseline => anyhow::bail!("the baseline scenario runs without Lanyard"),
    };
    Ok(outcome)
}

/// Fetches every page (`count=1000`) of the first tenant's users; workers
/// take pages from a shared counter. Each page must be full but the last.
async fn page_all(cs: &Clients, users: usize, concurrency: usize) -> Outcome {
    const PAGE: usize = 1000;
    let pages = users.div_ceil(PAGE);
    let next = Arc::new(AtomicUsize::new(0));
    parallel(concurrency, |w| {
        let (c, next) = (cs.worker(w), next.clone());
        async move {
            let mut out = Outcome::default();
            loop {
                let p = next.fetch_add(1, Ordering::Relaxed);
                if p >= pages {
                    break;
                }
                let (base, auth) = c.tenant(0);
                let url = format!("{base}/Users?startIndex={}&count={PAGE}", p * PAGE + 1);
                let expected = PAGE.min(users - p * PAGE);
                if let Some(page) = c.send(c.http.get(url), auth, &mut out).await {
                    let got = page["Resources"].as_array().map_or(0, Vec::len);
                    if got != expected {
                        out.error(format!("page {p}: {got} users, expected {expected}"));
                    }
                }
            }
            out
        }
    })
    .await
}

/// A group holding every one of `ids`, filled 1 000 members a PATCH.
async fn big_group(c: &Arc<Client>, ids: &[String]) -> anyhow::Result<Arc<String>> {
    let mut out = Outcome::default();
    let (base, auth) = c.tenant(0);
    let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone"});
    let created = c.send(c.http.post(format!("{base}/Groups")).body(body.to_string()), auth, &mut out).await;
    let id = created
        .and_then(|g| g["id"].as_str().map(str::to_string))
        .ok_or_else(|| anyhow::anyhow!("group create failed: {:?}", out.error_samples))?;
    for chunk in ids.chunks(1000) {
        let members: Vec<_> = chunk.iter().map(|m| json!({"value": m})).collect();
        c.patch(0, &format!("Groups/{id}"), json!([{"op": "add", "path": "members", "value": members}]), &mut out).await;
    }
    anyhow::ensure!(out.errors == 0, "filling the group failed: {:?}", out.error_samples);
    Ok(Arc::new(id))
}

/// Sends `request(n)` from `concurrency` workers for `seconds`, without
/// credentials (the baseline server has none).
pub async fn plain_for_seconds<F>(concurrency: usize, seconds: u64, request: F) -> Outcome
where
    F: Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let http = reqwest::Client::new();
    let request = Arc::new(request);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    parallel(concurrency, |w| {
        let (http, request) = (http.clone(), request.clone());
        async move {
            let mut out = Outcome::default();
            let mut n = w;
            while Instant::now() < deadline {
                let start = Instant::now();
                match request(&http, n).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    Ok(r) => out.error(r.status().to_string()),
                    Err(e) => out.error(e.to_string()),
                }
                out.latencies.push(start.elapsed().as_micros() as u64);
                n += concurrency;
            }
            out
        }
    })
    .await
}

/// The `acs` scenario: SAML sign-ins, each a signed Response posted once.
mod acs {
    use super::*;

    #[cfg(not(feature = "saml"))]
    pub async fn run(_args: &Args, _cluster: &Cluster) -> anyhow::Result<Outcome> {
        anyhow::bail!("the acs scenario needs lanyard-bench built with --features saml")
    }

    #[cfg(feature = "saml")]
    pub async fn run(args: &Args, cluster: &Cluster) -> anyhow::Result<Outcome> {
        use crate::saml_idp::{Audience, BenchIdp, ENTITY_ID, SSO_URL};
        use crate::seed::user_name;

        let idp = BenchIdp::new()?;
        let dir = tempfile::tempdir()?;
        let certificate = dir.path().join("idp.pem");
        std::fs::write(&certificate, &idp.certificate_pem)?;
        let slug = cluster.seed.tenants.first().map(|t| t.slug.clone()).ok_or_else(|| anyhow::anyhow!("no tenant"))?;
        let domain = user_name(0).split_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
        let certificate = certificate.to_str().ok_or_else(|| anyhow::anyhow!("temp dir is not UTF-8"))?;
        let created = cluster.cli(&[
            "--json",
            "sso",
            "create",
            &slug,
            "--name",
            "bench",
            "--domain",
            &domain,
            "--allow-idp-initiated",
            "--idp-entity-id",
            ENTITY_ID,
            "--idp-sso-url",
            SSO_URL,
            "--idp-certificate",
            certificate,
            "--public-url",
            &cluster.public_url,
        ])?;
        let created: serde_json::Value = serde_json::from_str(&created)?;
        let text = |key: &str| created[key].as_str().map(str::to_string).ok_or_else(|| anyhow::anyhow!("sso create: no {key}"));
        let audience = Audience { sp_entity_id: text("sp_entity_id")?, acs_url: text("acs_url")? };
        let acs_path = audience.acs_url.strip_prefix(&cluster.public_url).unwrap_or_default().to_string();

        // Users of the first tenant (n % tenants == 0), signed before the clock starts.
        let started = Instant::now();
        let mine: Vec<usize> = (0..args.users).step_by(args.tenants).collect();
        let responses = mine.iter().map(|&n| idp.response(&audience, &user_name(n), n)).collect::<anyhow::Result<Vec<_>>>()?;
        eprintln!("signed {} SAML responses in {:.1}s", responses.len(), started.elapsed().as_secs_f64());

        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let roots: Vec<String> = cluster.bases().iter().map(|b| b.trim_end_matches("/scim/v2").to_string()).collect();
        let (responses, next) = (Arc::new(responses), Arc::new(AtomicUsize::new(0)));
        Ok(parallel(args.concurrency, |w| {
            let (http, responses, next) = (http.clone(), responses.clone(), next.clone());
            let url = format!("{}{acs_path}", roots[w % roots.len()]);
            async move {
                let mut out = Outcome::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(response) = responses.get(i) else { break };
                    let start = Instant::now();
                    let sent = http.post(&url).form(&[("SAMLResponse", response)]).send().await;
                    match sent {
                        Ok(r) if r.status() == reqwest::StatusCode::SEE_OTHER => {}
                        Ok(r) => {
                            let status = r.status();
                            let text = r.text().await.unwrap_or_default();
                            out.error(format!("{status}: {}", text.chars().take(300).collect::<String>()));
                        }
                        Err(e) => out.error(e.to_string()),
                    }
                    out.latencies.push(start.elapsed().as_micros() as u64);
                }
                out
            }
        })
        .await)
    }
}
