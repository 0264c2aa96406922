//! Webhooks: a real receiver in the test gets every event, signed, in
//! order; failures are retried, exhausted endpoints disabled and resumed
//! without loss; a killed instance loses nothing; two instances on one
//! PostgreSQL deliver each event once.

use std::time::{Duration, Instant};

use lanyard_database::{DbOptions, open_migrated};
use lanyard_domain::webhooks::event_id;
use lanyard_domain::{Config, Lanyard};
use lanyard_store::{Event, EventPosition, TenantScope, Webhook};
use lanyard_testkit::{DelivererConfig, RetrySchedule, Scim, TestDatabase, TestServer, json, patch_op};

use crate::multi_instance::Instance;
use crate::receiver::{Answer, Receiver, delivered_ids, ids, verify};

const WAIT: Duration = Duration::from_secs(30);

/// Quick retries and polling, for tests.
pub(crate) fn quick(pauses: &[u64]) -> DelivererConfig {
    DelivererConfig {
        schedule: RetrySchedule { pauses: pauses.iter().map(|ms| Duration::from_millis(*ms)).collect() },
        timeout: Duration::from_secs(2),
        lease: Duration::from_secs(5),
        poll: Duration::from_millis(100),
    }
}

/// The feed (of one tenant or all) after `after`, once it holds `n` events.
async fn feed(app: &Lanyard, slug: Option<&str>, after: EventPosition, n: usize) -> Vec<Event> {
    let scope = match slug {
        Some(slug) => Some(TenantScope::of(&app.tenant_by_slug(slug).await.unwrap())),
        None => None,
    };
    let deadline = Instant::now() + WAIT;
    loop {
        let events = app.store().events_after(scope, after, 1000).await.unwrap();
        if events.len() >= n || Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn event_ids(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| event_id(e.position.id)).collect()
}

async fn webhook_where(app: &Lanyard, id: &str, what: &str, check: impl Fn(&Webhook) -> bool) -> Webhook {
    let deadline = Instant::now() + WAIT;
    loop {
        let w = app.webhook(id).await.unwrap();
        if check(&w) {
            return w;
        }
        assert!(Instant::now() < deadline, "webhook never {what}: {w:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One of each event type, in tenant `slug` (seat limit 1).
async fn every_kind_of_change(scim: &Scim) {
    let a = scim.create_user("a@example.com").await;
    let b = scim.create_user("b@example.com").await;
    let user = |id: &str| format!("/Users/{id}");
    let set = |path: &str, value: serde_json::Value| patch_op(json!([{"op": "replace", "path": path, "value": value}]));
    scim.patch(&user(&a), &set("title", json!("Boss"))).await.expect(200);
    scim.patch(&user(&a), &set("active", json!(false))).await.expect(200);
    scim.patch(&user(&a), &set("active", json!(true))).await.expect(200);
    let g = scim.create_group("Eng", &[&b]).await;
    scim.patch(&format!("/Groups/{g}"), &set("displayName", json!("Engineering"))).await.expect(204);
    let remove = patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]));
    scim.patch(&format!("/Groups/{g}"), &remove).await.expect(204);
    scim.delete(&format!("/Groups/{g}")).await.expect(204);
    scim.delete(&user(&a)).await.expect(204);
}

#[tokio::test]
async fn every_event_type_arrives_signed_and_in_feed_order() {
    let receiver = Receiver::start().await;
    let s = TestServer::start_with_webhooks(quick(&[100])).await;
    let acme = s.tenant_with_seats("acme", Some(1)).await;
    let hook = s.app.create_webhook(None, &receiver.url, None).await.unwrap();
    assert!(hook.secret.starts_with("whsec_"));
    every_kind_of_change(&acme).await;

    let expected = feed(&s.app, None, hook.webhook.cursor, 15).await;
    assert_eq!(expected.len(), 15);
    let kinds: std::collections::BTreeSet<&str> = expected.iter().map(|e| e.event.kind.as_str()).collect();
    // Every type a SCIM client can cause; `sso.signed_in` comes from a SAML
    // sign-in (its delivery is tested in `sso.rs`).
    let scim_types: std::collections::BTreeSet<&str> =
        lanyard_domain::events::EVENT_TYPES.iter().copied().filter(|t| !t.starts_with("sso.")).collect();
    assert_eq!(kinds, scim_types, "every SCIM-caused type is exercised");
    let got = receiver.wait_delivered(expected.len(), WAIT).await;
    assert_eq!(ids(&got), event_ids(&expected), "each event once, in feed order");
    for (r, e) in got.iter().zip(&expected) {
        assert!(verify(&hook.secret, r), "valid signature on {}", r.id);
        assert!(!verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", r), "another secret does not verify");
        let age = lanyard_domain::now() / 1_000_000 - r.timestamp.parse::<i64>().unwrap();
        assert!((0..60).contains(&age), "timestamp is the attempt's time");
        assert_eq!(r.json["id"], r.id.as_str(), "body id = webhook-id");
        assert_eq!(r.json["type"], e.event.kind.as_str());
        assert_eq!(r.json["tenant"], "acme");
        assert_eq!(r.json["data"], e.event.data);
        assert_eq!(r.json["resource"]["id"], e.event.resource_id.as_deref().unwrap());
    }
    // Pull and push agree on the event's shape.
    let key = s.app.create_api_key(None, None).await.unwrap();
    let pulled: serde_json::Value =
        reqwest::Client::new().get(format!("{}/api/v1/events", s.url)).bearer_auth(&key.key).send().await.unwrap().json().await.unwrap();
    let first = pulled["events"].as_array().unwrap().iter().find(|e| e["id"] == got[0].json["id"]).unwrap().clone();
    let mut without_cursor = first.as_object().unwrap().clone();
    without_cursor.remove("cursor");
    assert_eq!(serde_json::Value::Object(without_cursor), got[0].json);

    let log = s.app.webhook_deliveries(&hook.webhook.id, false, 100).await.unwrap();
    assert_eq!(log.len(), expected.len());
    assert!(log.iter().all(|d| d.delivery.status == Some(200) && !d.delivery.replay && d.delivery.attempt == 1));
    assert_eq!(log[0].delivery.response.as_deref(), Some("answer 200 from the test receiver"));
}

#[tokio::test]
async fn a_tenant_endpoint_gets_only_its_tenant_and_the_types_it_asked_for() {
    let receiver = Receiver::start().await;
    let s = TestServer::start_with_webhooks(quick(&[100])).await;
    let acme = s.tenant("acme").await;
    let globex = s.tenant("globex").await;
    let hook = s.app.create_webhook(Some("acme"), &receiver.url, Some("user.created,user.deleted")).await.unwrap();
    let g1 = globex.create_user("g1@example.com").await;
    let a1 = acme.create_user("a1@example.com").await;
    globex.delete(&format!("/Users/{g1}")).await.expect(204);
    acme.create_group("Eng", &[&a1]).await;
    acme.delete(&format!("/Users/{a1}")).await.expect(204);
    let a2 = acme.create_user("a2@example.com").await;

    let got = receiver.wait_delivered(3, WAIT).await;
    let seen: Vec<(String, String)> = got
        .iter()
        .map(|r| (r.json["type"].as_str().unwrap().to_string(), r.json["resource"]["id"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(seen, vec![("user.created".into(), a1.clone()), ("user.deleted".into(), a1), ("user.created".into(), a2)]);
    assert!(got.iter().all(|r| r.json["tenant"] == "acme" && verify(&hook.secret, r)));
    // The endpoint moved past everything else without sending it.
    let end = s.app.store().feed_end().await.unwrap();
    webhook_where(&s.app, &hook.webhook.id, "caught up", |w| w.cursor >= end).await;
    assert_eq!(receiver.requests().len(), 3);
}

#[tokio::test]
async fn a_receiver_that_fails_then_is_down_then_up_gets_everything_in_order() {
    let mut receiver = Receiver::start().await;
    receiver.answer(Answer::Status(500));
    let s = TestServer::start_with_webhooks(quick(&[50; 400])).await;
    let acme = s.tenant("acme").await;
    let hook = s.app.create_webhook(None, &receiver.url, None).await.unwrap();
    for i in 0..3 {
        acme.create_user(&format!("u{i}@example.com")).await;
    }
    let expected = feed(&s.app, None, hook.webhook.cursor, 6).await;
    assert_eq!(expected.len(), 6);
    let failed = receiver.wait_requests(3, WAIT).await;
    assert!(failed.iter().all(|r| r.id == event_ids(&expected)[0]), "later events wait for the first: {:?}", ids(&failed));

    receiver.down();
    let deadline = Instant::now() + WAIT;
    while !s.app.webhook_deliveries(&hook.webhook.id, true, 5).await.unwrap().iter().any(|d| d.delivery.status.is_none()) {
        assert!(Instant::now() < deadline, "no attempt while the receiver was down");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    receiver.answer(Answer::Status(204));
    receiver.up().await;

    let got = receiver.wait_delivered(expected.len(), WAIT).await;
    assert_eq!(delivered_ids(&got), event_ids(&expected), "every event delivered once, in order");
    assert!(got.iter().all(|r| verify(&hook.secret, r)));
    let retried: std::collections::BTreeSet<String> = got.iter().filter(|r| r.answered != Some(204)).map(|r| r.id.clone()).collect();
    assert_eq!(retried.into_iter().collect::<Vec<_>>(), vec![event_ids(&expected)[0].clone()], "only the failing event was sent twice");

    let failed_log = s.app.webhook_deliveries(&hook.webhook.id, true, 1000).await.unwrap();
    let with_500 = failed_log.iter().find(|d| d.delivery.status == Some(500)).expect("a 500 in the log");
    assert_eq!(with_500.delivery.response.as_deref(), Some("answer 500 from the test receiver"));
    let refused = failed_log.iter().find(|d| d.delivery.status.is_none()).unwrap();
    assert!(refused.delivery.error.as_deref().unwrap().contains("cannot connect"), "{refused:?}");
    let attempts: Vec<i64> = failed_log.iter().rev().map(|d| d.delivery.attempt).collect();
    assert!(attempts.windows(2).all(|w| w[1] == w[0] + 1), "attempts count up: {attempts:?}");
    let w = s.app.webhook(&hook.webhook.id).await.unwrap();
    assert!(w.enabled && w.attempts == 0);
}

#[tokio::test]
async fn an_exhausted_schedule_disables_the_endpoint_and_enable_resumes_without_loss() {
    let receiver = Receiver::start().await;
    receiver.answer(Answer::Status(503));
    let s = TestServer::start_with_webhooks(quick(&[50, 50])).await;
    let acme = s.tenant("acme").await;
    let hook = s.app.create_webhook(None, &receiver.url, None).await.unwrap();
    acme.create_user("a@example.com").await;
    let w = webhook_where(&s.app, &hook.webhook.id, "disabled", |w| !w.enabled).await;
    assert!(w.disabled_reason.as_deref().unwrap().contains("3 attempts"), "{w:?}");
    assert!(w.disabled_reason.as_deref().unwrap().contains("HTTP 503"), "{w:?}");
    assert_eq!(receiver.requests().len(), 3);

    receiver.answer(Answer::Status(200));
    acme.create_user("b@example.com").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.requests().len(), 3, "a disabled endpoint gets nothing");

    let expected = feed(&s.app, None, hook.webhook.cursor, 4).await;
    s.app.enable_webhook(&hook.webhook.id).await.unwrap();
    let got = receiver.wait_delivered(4, WAIT).await;
    assert_eq!(delivered_ids(&got), event_ids(&expected));
}

#[tokio::test]
async fn retries_wait_the_pauses_of_the_schedule() {
    let receiver = Receiver::start().await;
    receiver.answer(Answer::Status(500));
    let s = TestServer::start_with_webhooks(quick(&[100, 1500, 100])).await;
    let acme = s.tenant("acme").await;
    let hook = s.app.create_webhook(None, &receiver.url, None).await.unwrap();
    acme.create_user("a@example.com").await;
    webhook_where(&s.app, &hook.webhook.id, "disabled", |w| !w.enabled).await;
    let got = receiver.requests();
    assert_eq!(got.len(), 4);
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].arrived - w[0].arrived).collect();
    // Each pause is jittered by ±10 %.
    assert!(gaps[0] >= Duration::from_millis(90) && gaps[0] < Duration::from_millis(1000), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(1350), "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(90) && gaps[2] < Duration::from_millis(1000), "{gaps:?}");
    assert!(got.iter().all(|r| r.id == got[0].id && verify(&hook.secret, r)));
}

#[tokio::test]
async fn gone_410_disables_at_once() {
    let receiver = Receiver::start().await;
    receiver.answer(Answer::Status(410));
    let s = TestServer::start_with_webhooks(quick(&[50; 10])).await;
    let acme = s.tenant("acme").await;
    let hook = s.app.create_webhook(None, &receiver.url, None).await.unwrap();
    acme.create_user("a@example.com").await;
    let w = webhook_where(&s.app, &hook.webhook.id, "disabled", |w| !w.enabled).await;
    assert!(w.disabled_reason.unwrap().contains("410"));
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn a_replay_resends_the_event_with_the_same_id_and_leaves_the_cursor() {
    let receiver = Receiver::start().await;
    let s = TestServer::start_with_webhooks(quick(&[50])).await;
    let acme = s.tenant("acme").await;
    let hook = s.app.create_webhook(None, &receiver.url, None).await.unwrap();
    acme.create_user("a@example.com").await;
    let got = receiver.wait_delivered(2, WAIT).await;
    // Both events delivered; wait for the cursor to pass the last one too.
    let end = s.app.store().feed_end().await.unwrap();
    let cursor = webhook_where(&s.app, &hook.webhook.id, "caught up", |w| w.cursor >= end).await.cursor;

    let sender = lanyard_webhooks::Sender::new(Duration::from_secs(5)).unwrap();
    let outcome = lanyard_webhooks::replay(&s.app, &sender, &hook.webhook.id, &got[0].id).await.unwrap();
    assert!(outcome.delivered());
    let all = receiver.requests();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].id, got[0].id, "same webhook-id (the idempotency key)");
    assert_eq!(all[2].body, got[0].body);
    assert!(verify(&hook.secret, &all[2]));
    let log = s.app.webhook_deliveries(&hook.webhook.id, false, 10).await.unwrap();
    assert!(log[0].delivery.replay && log[0].delivery.status == Some(200));
    assert_eq!(s.app.webhook(&hook.webhook.id).await.unwrap().cursor, cursor);

    // Another tenant's event, or no event, cannot be replayed to a tenant endpoint.
    let globex = s.tenant("globex").await;
    globex.create_user("g@example.com").await;
    let theirs = feed(&s.app, Some("globex"), EventPosition::default(), 1).await;
    let own = s.app.create_webhook(Some("acme"), &receiver.url, None).await.unwrap();
    assert!(lanyard_webhooks::replay(&s.app, &sender, &own.webhook.id, &event_id(theirs[0].position.id)).await.is_err());
    assert!(lanyard_webhooks::replay(&s.app, &sender, &own.webhook.id, "evt_999999").await.is_err());
    assert!(lanyard_webhooks::replay(&s.app, &sender, &own.webhook.id, "nonsense").await.is_err());
}

#[tokio::test]
async fn event_retention_keeps_what_an_enabled_endpoint_has_not_delivered() {
    let receiver = Receiver::start().await;
    receiver.answer(Answer::Status(500));
    let s = TestServer::start_with_webhooks(quick(&[3_600_000])).await;
    let acme = s.tenant("acme").await;
    acme.create_user("before@example.com").await;
    let before = feed(&s.app, None, EventPosition::default(), 2).await;
    let hook = s.app.create_webhook(None, &receiver.url, None).await.unwrap();
    acme.create_user("after@example.com").await;
    let pending = feed(&s.app, None, hook.webhook.cursor, 2).await;
    receiver.wait_requests(1, WAIT).await;

    let (events, deliveries) = s.app.prune_events(Duration::from_micros(1)).await.unwrap();
    assert_eq!((events, deliveries), (2, 1), "the events before the endpoint and the old log row went");
    let left = feed(&s.app, None, EventPosition::default(), 0).await;
    assert_eq!(event_ids(&left), event_ids(&pending), "undelivered events stay");
    assert!(s.app.store().event(before[0].position.id).await.unwrap().is_none());

    s.app.delete_webhook(&hook.webhook.id).await.unwrap();
    s.app.prune_events(Duration::from_micros(1)).await.unwrap();
    let left = feed(&s.app, None, EventPosition::default(), 0).await;
    assert_eq!(event_ids(&left), event_ids(&pending[1..]), "the newest event is kept so ids are never reused");
}

#[tokio::test]
async fn a_lease_belongs_to_one_owner_until_it_expires_or_is_given_back() {
    let s = TestServer::start().await;
    let hook = s.app.create_webhook(None, "http://127.0.0.1:9/", None).await.unwrap();
    let store = s.app.store();
    let (id, t) = (hook.webhook.id.as_str(), lanyard_domain::now());
    assert!(store.lease_webhook(id, "a", t + 1000, t).await.unwrap().is_some());
    assert!(store.lease_webhook(id, "b", t + 1000, t + 10).await.unwrap().is_none(), "held by a");
    assert!(store.due_webhooks(t + 10).await.unwrap().is_empty(), "a leased endpoint is not due");
    let progress = |owner: &str| lanyard_store::WebhookProgress {
        endpoint_id: id.to_string(),
        lease_owner: owner.to_string(),
        lease_until: t + 3000,
        cursor: EventPosition { tx_order: hook.webhook.cursor.tx_order, id: hook.webhook.cursor.id + 1 },
        attempts: 0,
        next_attempt_at: t,
        disable: None,
        delivery: None,
    };
    assert!(!store.record_webhook_progress(&progress("b")).await.unwrap(), "b cannot write without the lease");
    assert!(store.record_webhook_progress(&progress("a")).await.unwrap(), "a's attempt renews the lease to t+3000");
    assert!(store.lease_webhook(id, "b", t + 5000, t + 2000).await.unwrap().is_none(), "renewed");
    let taken = store.lease_webhook(id, "b", t + 9000, t + 3001).await.unwrap().expect("expired: b takes over");
    assert_eq!(taken.lease_owner.as_deref(), Some("b"));
    assert_eq!(taken.cursor.id, hook.webhook.cursor.id + 1, "b continues where a stopped");
    assert!(!store.record_webhook_progress(&progress("a")).await.unwrap(), "a lost it");
    store.release_webhook(id, "a").await.unwrap();
    assert_eq!(store.webhook(id).await.unwrap().unwrap().lease_owner.as_deref(), Some("b"), "only the holder gives it back");
    store.release_webhook(id, "b").await.unwrap();
    assert!(store.lease_webhook(id, "c", t + 9000, t + 3002).await.unwrap().is_some());
    s.app.disable_webhook(id, "test").await.unwrap();
    store.release_webhook(id, "c").await.unwrap();
    assert!(store.lease_webhook(id, "d", t + 9000, t + 3003).await.unwrap().is_none(), "a disabled endpoint is not leased");
}

/// A tenant, a token and a webhook endpoint on the database at `url`.
async fn setup(url: &str, receiver: &Receiver) -> (Lanyard, String, lanyard_domain::webhooks::CreatedWebhook) {
    let store = open_migrated(url, &DbOptions::default()).await.unwrap();
    let app = Lanyard::new(store, Config::new("http://127.0.0.1"));
    app.create_tenant("acme", None, None).await.unwrap();
    let token = app.create_token("acme", None, None).await.unwrap().token;
    let hook = app.create_webhook(None, &receiver.url, None).await.unwrap();
    (app, token, hook)
}

const FAST: &[&str] = &[
    "--webhook-retry-schedule",
    "100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms",
    "--webhook-timeout",
    "1s",
    "--webhook-lease",
    "2s",
    "--webhook-poll",
    "100ms",
];

#[tokio::test]
async fn killing_the_instance_mid_delivery_loses_nothing() {
    let receiver = Receiver::start().await;
    receiver.answer(Answer::Hold);
    let db = TestDatabase::new().await;
    let (app, token, hook) = setup(&db.url, &receiver).await;
    let mut first = Instance::start_with(&db.url, FAST, &[("RUST_LOG", "warn")]).await;
    let scim = first.scim("acme", &token);
    for i in 0..3 {
        scim.create_user(&format!("u{i}@example.com")).await;
    }
    let expected = feed(&app, None, hook.webhook.cursor, 6).await;
    let held = receiver.wait_requests(1, WAIT).await;
    assert_eq!(held[0].id, event_ids(&expected)[0]);
    first.kill().await;
    receiver.answer(Answer::Status(200));

    let _second = Instance::start_with(&db.url, FAST, &[("RUST_LOG", "warn")]).await;
    receiver.wait_requests(expected.len() + 1, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.requests();
    let mut arrived = ids(&got);
    arrived.dedup();
    assert_eq!(arrived, event_ids(&expected), "every event, in order, after the restart");
    assert_eq!(got.len(), expected.len() + 1, "only the event in flight at the kill came twice");
    assert_eq!((got[0].id.clone(), got[1].id.clone()), (held[0].id.clone(), held[0].id.clone()));
    assert!(got.iter().all(|r| verify(&hook.secret, r)));
}

#[tokio::test]
async fn a_terminated_instance_gives_its_endpoints_back_at_once() {
    let receiver = Receiver::start().await;
    receiver.answer(Answer::Hold);
    let db = TestDatabase::new().await;
    let (app, token, hook) = setup(&db.url, &receiver).await;
    // A long lease: only giving it back lets the next instance go on soon.
    let flags =
        ["--webhook-retry-schedule", "100ms,100ms,100ms", "--webhook-timeout", "1s", "--webhook-lease", "120s", "--webhook-poll", "100ms"];
    let mut first = Instance::start_with(&db.url, &flags, &[("RUST_LOG", "warn")]).await;
    first.scim("acme", &token).create_user("a@example.com").await;
    let expected = feed(&app, None, hook.webhook.cursor, 2).await;
    receiver.wait_requests(1, WAIT).await;
    assert!(first.terminate().await.success());
    assert_eq!(app.webhook(&hook.webhook.id).await.unwrap().lease_owner, None, "the lease was given back");
    receiver.answer(Answer::Status(200));

    let started = Instant::now();
    let _second = Instance::start_with(&db.url, &flags, &[("RUST_LOG", "warn")]).await;
    let got = receiver.wait_delivered(2, WAIT).await;
    assert!(started.elapsed() < Duration::from_secs(20), "not held back by the old lease");
    assert_eq!(delivered_ids(&got), event_ids(&expected));
}

#[tokio::test]
async fn two_instances_on_one_postgres_deliver_each_event_once() {
    let receiver = Receiver::start().await;
    let db = TestDatabase::postgres().await;
    let (app, token, hook) = setup(&db.url, &receiver).await;
    let (a, b) = tokio::join!(
        Instance::start_with(&db.url, FAST, &[("RUST_LOG", "warn")]),
        Instance::start_with(&db.url, FAST, &[("RUST_LOG", "warn")])
    );
    let (sa, sb) = (a.scim("acme", &token), b.scim("acme", &token));
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..20 {
        let scim = if i % 2 == 0 { sa.clone() } else { sb.clone() };
        writes.spawn(async move { scim.create_user(&format!("u{i}@example.com")).await });
    }
    writes.join_all().await;
    let expected = feed(&app, None, hook.webhook.cursor, 40).await;
    assert_eq!(expected.len(), 40);
    let got = receiver.wait_delivered(40, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(ids(&receiver.requests()), event_ids(&expected), "each event exactly once, in feed order");
    assert_eq!(got.len(), 40);
}

// The CLI runs as a blocking child process: the receiver needs another thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_from_the_command_line() {
    let receiver = Receiver::start().await;
    let db = TestDatabase::new().await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lanyard"))
            .arg("--database")
            .arg(&db.url)
            .args(args)
            .env_remove("LANYARD_DATABASE_URL")
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let json_of = |args: &[&str]| -> serde_json::Value {
        let (ok, out, err) = run(&[&["--json"], args].concat());
        assert!(ok, "lanyard {args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    json_of(&["tenant", "create", "acme"]);
    let created = json_of(&["webhook", "create", "acme", "--url", &receiver.url, "--events", "user.created,seat.assigned"]);
    let id = created["id"].as_str().unwrap().to_string();
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created["events"], json!(["user.created", "seat.assigned"]));
    assert_eq!(created["tenant"], "acme");
    let global = json_of(&["webhook", "create", "--url", "https://hooks.example.com/x"]);
    assert_eq!((global["tenant"].clone(), global["events"].clone()), (json!(null), json!("all")));

    let (ok, _, err) = run(&["webhook", "create", "--url", "ftp://example.com/"]);
    assert!(!ok && err.contains("http"), "{err}");
    let (ok, _, err) = run(&["webhook", "create", "--url", &receiver.url, "--events", "user.exploded"]);
    assert!(!ok && err.contains("unknown event type"), "{err}");
    let (ok, _, err) = run(&["webhook", "create", "nosuch", "--url", &receiver.url]);
    assert!(!ok && err.contains("does not exist"), "{err}");

    let list = json_of(&["webhook", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains("whsec_"), "the secret is shown once only");
    assert_eq!(json_of(&["webhook", "list", "acme"]).as_array().unwrap().len(), 1);
    assert_eq!(json_of(&["webhook", "disable", &id])["enabled"], false);
    let shown = json_of(&["webhook", "show", &id]);
    assert_eq!(shown["disabled_reason"], "disabled by the operator");
    assert!(!shown.to_string().contains("whsec_"));
    assert_eq!(json_of(&["webhook", "enable", &id])["enabled"], true);

    // A replay through the CLI of an event written through SCIM.
    let token = json_of(&["token", "create", "acme"])["token"].as_str().unwrap().to_string();
    let instance = Instance::start_with(&db.url, &["--no-webhooks"], &[("RUST_LOG", "warn")]).await;
    instance.scim("acme", &token).create_user("a@example.com").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.requests().is_empty(), "--no-webhooks delivers nothing");
    let app = Lanyard::new(open_migrated(&db.url, &DbOptions::default()).await.unwrap(), Config::new("http://127.0.0.1"));
    let first = feed(&app, None, EventPosition::default(), 1).await;
    let event = event_id(first[0].position.id);
    let replayed = json_of(&["webhook", "replay", &id, "--event", &event]);
    assert_eq!((replayed["delivered"].clone(), replayed["status"].clone()), (json!(true), json!(200)));
    assert_eq!(receiver.requests()[0].id, event);
    assert!(verify(created["secret"].as_str().unwrap(), &receiver.requests()[0]));
    let log = json_of(&["webhook", "deliveries", &id]);
    assert_eq!(log[0]["replay"], true);
    assert_eq!(log[0]["event_id"], event.as_str());
    assert_eq!(json_of(&["webhook", "deliveries", &id, "--failed"]), json!([]));
    let (ok, out, _) = run(&["webhook", "deliveries", &id]);
    assert!(ok && out.contains("HTTP 200") && out.contains("(replay)"), "{out}");

    json_of(&["webhook", "delete", &id]);
    let (ok, _, err) = run(&["webhook", "show", &id]);
    assert!(!ok && err.contains("does not exist"), "{err}");
}
