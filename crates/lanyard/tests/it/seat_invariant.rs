//! The seat invariant under concurrency: 64 clients creating, suspending,
//! re-activating and deleting users of one tenant (limit 50) through HTTP,
//! then a recount from the stored users, and a replay of the audit log that
//! proves the queue was served first come, first served.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use lanyard_domain::Lanyard;
use lanyard_store::{ListQuery, SeatStatus, TenantScope};
use lanyard_testkit::{Scim, TestServer, json, patch_op};
use rand::Rng;

pub const LIMIT: i64 = 50;
const CLIENTS: usize = 64;

fn stress_duration() -> Duration {
    let secs = std::env::var("LANYARD_SEAT_STRESS_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

async fn client_loop(scim: Scim, worker: usize, deadline: Instant) -> usize {
    let mut mine: Vec<String> = Vec::new();
    let mut n = 0;
    let mut requests = 0;
    while Instant::now() < deadline {
        let roll = rand::thread_rng().gen_range(0..100);
        requests += 1;
        if mine.is_empty() || roll < 35 {
            let res =
                scim.post("/Users", &json!({"userName": format!("w{worker}-{n}@x.com"), "active": rand::thread_rng().gen_bool(0.9)})).await;
            n += 1;
            assert_eq!(res.status, 201, "{}", res.text);
            mine.push(res.id());
            continue;
        }
        let i = rand::thread_rng().gen_range(0..mine.len());
        let path = format!("/Users/{}", mine[i]);
        let res = if roll < 60 {
            scim.patch(&path, &patch_op(json!([{"op": "replace", "path": "active", "value": false}]))).await
        } else if roll < 75 {
            scim.patch(&path, &patch_op(json!([{"op": "replace", "value": {"active": true}}]))).await
        } else if roll < 85 {
            scim.put(&path, &json!({"userName": format!("w{worker}-r{n}@x.com"), "active": roll % 2 == 0})).await
        } else {
            let res = scim.delete(&path).await;
            mine.swap_remove(i);
            res
        };
        n += 1;
        assert!(res.status.is_success(), "{}", res.text);
    }
    requests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seats_are_never_over_allocated_and_the_queue_is_fifo() {
    let s = TestServer::start().await;
    let scim = s.tenant_with_seats("acme", Some(LIMIT)).await;
    stress_seats(&[scim], &s.app, "acme").await;
}

/// Runs [`CLIENTS`] clients spread over `instances` (one tenant `slug` with
/// limit [`LIMIT`], seen through each instance) for the stress duration,
/// then checks the stored users, the counters and the audit log through `app`.
pub async fn stress_seats(instances: &[Scim], app: &Lanyard, slug: &str) {
    let deadline = Instant::now() + stress_duration();
    let tasks: Vec<_> = (0..CLIENTS).map(|w| tokio::spawn(client_loop(instances[w % instances.len()].clone(), w, deadline))).collect();
    let mut requests = 0;
    for t in tasks {
        requests += t.await.unwrap();
    }
    assert!(requests > 1000, "only {requests} requests ran");

    // Recount from the stored users.
    let tenant = app.tenant_by_slug(slug).await.unwrap();
    let scope = TenantScope::of(&tenant);
    let users = app.store().list_users(scope, &ListQuery { limit: i64::MAX, ..ListQuery::default() }).await.unwrap().items;
    let active = users.iter().filter(|u| u.active).count() as i64;
    let assigned = users.iter().filter(|u| u.seat.status == SeatStatus::Assigned).count() as i64;
    let pending = users.iter().filter(|u| u.seat.status == SeatStatus::Pending).count() as i64;
    assert!(users.iter().all(|u| u.active == (u.seat.status != SeatStatus::None)), "inactive users hold nothing, active ones hold or wait");
    assert_eq!(assigned, active.min(LIMIT));
    assert_eq!(pending, active - assigned);
    assert_eq!((tenant.seats_assigned, tenant.seats_pending), (assigned, pending), "counters equal the recount");

    // Replay the audit log: never more than LIMIT seats, queue served in order.
    let events = app.audit_events(slug, None, i64::MAX).await.unwrap();
    let mut seated = std::collections::HashSet::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    for e in events.iter().filter(|e| e.event.action.starts_with("seat.")) {
        let user = e.event.resource_id.clone().unwrap();
        let (from, to) = (e.event.detail["from"].as_str().unwrap(), e.event.detail["to"].as_str().unwrap());
        match (from, to) {
            ("none", "assigned") => {
                assert!(queue.is_empty(), "a newcomer took a seat while {} waited", queue.len());
                assert!(seated.insert(user));
            }
            ("none", "pending") => queue.push_back(user),
            ("pending", "assigned") => {
                assert_eq!(queue.pop_front().as_ref(), Some(&user), "the oldest pending user must be seated first");
                assert!(seated.insert(user));
            }
            ("pending", "none") => queue.retain(|u| u != &user),
            ("assigned", "none") => assert!(seated.remove(&user)),
            other => panic!("unexpected seat move {other:?}"),
        }
        assert!(seated.len() as i64 <= LIMIT, "over-allocated: {} seats", seated.len());
    }
    assert_eq!(seated.len() as i64, assigned);
    assert_eq!(queue.len() as i64, pending);
}
