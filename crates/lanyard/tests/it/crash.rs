//! Crash safety: a real `lanyard serve` killed with SIGKILL in the middle
//! of a 10 000-user sync (on SQLite; see [`plan`]) (lookup, then POST, by several clients at once),
//! restarted on the same database, and the sync finished. Every user
//! acknowledged with 201 is there, each stored user is whole (readable,
//! filterable by userName, every attribute that was sent), no user exists
//! twice, and the seat counters equal a recount.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lanyard_testkit::{Scim, json};
use serde_json::Value;

use crate::multi_instance::Instance;
use crate::observability::prepared_database;

const CLIENTS: usize = 12;

/// The sync: users, the tenant's seats (fewer, so some wait), and the
/// acknowledged creates after which the server is killed. 10 000 users on
/// SQLite; on PostgreSQL (a debug build syncs about three times slower
/// there) a fifth, to keep the run short.
fn plan() -> (usize, i64, usize) {
    if lanyard_testkit::database::postgres_selected() { (2_000, 1_200, 800) } else { (10_000, 6_000, 4_000) }
}

fn user_name(i: usize) -> String {
    format!("crash{i:05}@example.com")
}

fn user_body(i: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": user_name(i),
        "externalId": format!("ext-{i}"),
        "name": {"givenName": format!("Given{i}"), "familyName": "Crash"},
        "emails": [{"value": user_name(i), "type": "work", "primary": true}],
        "phoneNumbers": [{"value": format!("+1555{i:07}"), "type": "work"}],
        "title": format!("Title {i}"),
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": i.to_string(), "department": "Ops"}
    })
}

/// Is this stored user exactly the one sync sent for `i`?
fn is_whole(u: &Value, i: usize) -> bool {
    let ent = &u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    u["id"].as_str().is_some_and(|id| !id.is_empty())
        && u["userName"] == user_name(i).as_str()
        && u["externalId"] == format!("ext-{i}").as_str()
        && u["name"]["givenName"] == format!("Given{i}").as_str()
        && u["emails"][0]["value"] == user_name(i).as_str()
        && u["phoneNumbers"][0]["value"] == format!("+1555{i:07}").as_str()
        && u["title"] == format!("Title {i}").as_str()
        && ent["employeeNumber"] == i.to_string().as_str()
        && ent["department"] == "Ops"
        && u["active"] == true
}

fn lookup_path(i: usize) -> String {
    let filter = format!("userName eq \"{}\"", user_name(i));
    format!("/Users?filter={}", form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>())
}

/// What one round of syncing saw.
#[derive(Default)]
struct Sync {
    /// Users answered 201: index → id.
    acknowledged: Mutex<HashMap<usize, String>>,
    /// Users the lookup found (created in an earlier round): index → resource.
    found: Mutex<HashMap<usize, Value>>,
    /// Users whose request got no answer (the server died): their outcome is unknown.
    in_doubt: Mutex<HashSet<usize>>,
}

/// `CLIENTS` clients take the next user from `todo` until it is empty or
/// the server stops answering: look the user up, POST it if absent.
async fn sync(scim: &Scim, todo: Vec<usize>, state: Arc<Sync>) {
    let todo = Arc::new(todo);
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (scim, todo, next, state) = (scim.clone(), todo.clone(), next.clone(), state.clone());
            tokio::spawn(async move {
                loop {
                    let Some(&i) = todo.get(next.fetch_add(1, Ordering::SeqCst)) else { return };
                    let lookup = scim.http.get(format!("{}{}", scim.base, lookup_path(i))).bearer_auth(&scim.token).send().await;
                    let Ok(lookup) = lookup else {
                        state.in_doubt.lock().unwrap().insert(i);
                        return;
                    };
                    let Ok(listed) = lookup.json::<Value>().await else {
                        state.in_doubt.lock().unwrap().insert(i);
                        return;
                    };
                    if listed["totalResults"] == 1 {
                        state.found.lock().unwrap().insert(i, listed["Resources"][0].clone());
                        continue;
                    }
                    assert_eq!(listed["totalResults"], 0, "{listed}");
                    let created = scim.http.post(format!("{}/Users", scim.base)).bearer_auth(&scim.token).json(&user_body(i)).send().await;
                    let answered = match created {
                        Ok(res) => {
                            let status = res.status().as_u16();
                            res.json::<Value>().await.ok().map(|body| (status, body))
                        }
                        Err(_) => None,
                    };
                    match answered {
                        Some((201, body)) => {
                            state.acknowledged.lock().unwrap().insert(i, body["id"].as_str().unwrap().to_string());
                        }
                        Some((status, body)) => panic!("create {i}: {status} {body}"),
                        None => {
                            state.in_doubt.lock().unwrap().insert(i);
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_in_the_middle_of_a_sync_loses_no_acknowledged_user_and_leaves_nothing_half_written() {
    let started = Instant::now();
    let (users, seats, kill_after) = plan();
    let (db, token, app) = prepared_database("acme", Some(seats)).await;

    // Round one, killed with SIGKILL once `kill_after` users are acknowledged.
    let mut first = Instance::start(&db.url).await;
    let scim = first.scim("acme", &token);
    let round1 = Arc::new(Sync::default());
    let syncing = {
        let (scim, round1) = (scim.clone(), round1.clone());
        tokio::spawn(async move { sync(&scim, (0..users).collect(), round1).await })
    };
    while round1.acknowledged.lock().unwrap().len() < kill_after {
        assert!(!syncing.is_finished(), "the sync ended before the kill");
        assert!(started.elapsed() < Duration::from_secs(60), "the sync is too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().await;
    syncing.await.unwrap();
    let acknowledged = std::mem::take(&mut *round1.acknowledged.lock().unwrap());
    let in_doubt = std::mem::take(&mut *round1.in_doubt.lock().unwrap());
    assert!(acknowledged.len() >= kill_after && acknowledged.len() < users, "killed in the middle: {}", acknowledged.len());
    assert!(!in_doubt.is_empty(), "requests were in flight at the kill");

    // Round two: restart on the same database and finish the sync.
    let second = Instance::start(&db.url).await;
    let scim = second.scim("acme", &token);
    let round2 = Arc::new(Sync::default());
    let todo: Vec<usize> = (0..users).filter(|i| !acknowledged.contains_key(i)).collect();
    sync(&scim, todo, round2.clone()).await;
    assert!(round2.in_doubt.lock().unwrap().is_empty());
    let found = std::mem::take(&mut *round2.found.lock().unwrap());
    // Found by the lookup: only users whose create was in flight at the
    // kill (committed, answer lost) — and each of them whole.
    for (i, u) in &found {
        assert!(in_doubt.contains(i), "user {i} was stored but neither acknowledged nor in flight");
        assert!(is_whole(u, *i), "half-written user {i}: {u}");
    }

    // Every stored user, read page by page.
    let mut stored: HashMap<String, Value> = HashMap::new();
    let mut start = 1;
    loop {
        let page = scim.get(&format!("/Users?startIndex={start}&count=1000&sortBy=userName")).await;
        page.expect(200);
        let items = page.body["Resources"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        start += items.len();
        for u in items {
            assert!(stored.insert(u["id"].as_str().unwrap().to_string(), u).is_none(), "a user listed twice");
        }
    }
    assert_eq!(stored.len(), users, "every user exactly once");
    let mut names = HashSet::new();
    for u in stored.values() {
        let i: usize = u["title"].as_str().and_then(|t| t.strip_prefix("Title ")).and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
        assert!(i < users && is_whole(u, i), "half-written user: {u}");
        assert!(names.insert(u["userName"].as_str().unwrap().to_string()), "duplicate userName");
    }
    for (i, id) in &acknowledged {
        let u = stored.get(id).unwrap_or_else(|| panic!("user {i} was acknowledged with 201 ({id}) and is gone"));
        assert_eq!(u["userName"], user_name(*i).as_str());
    }
    // The users around the kill: readable by id and filterable by userName.
    for i in in_doubt.iter().chain(acknowledged.keys().take(200)) {
        let listed = scim.get(&lookup_path(*i)).await;
        assert_eq!(listed.body["totalResults"], 1, "user {i} by userName: {}", listed.text);
        let id = listed.body["Resources"][0]["id"].as_str().unwrap();
        let read = scim.get(&format!("/Users/{id}")).await;
        read.expect(200);
        assert!(is_whole(&read.body, *i), "{}", read.text);
    }

    // Seats: counters equal a recount of the stored users.
    let seat_status =
        |u: &Value| u["urn:lanyard:params:scim:schemas:extension:seat:2.0:User"]["seat"]["status"].as_str().map(str::to_string);
    let assigned = stored.values().filter(|u| seat_status(u).as_deref() == Some("assigned")).count() as i64;
    let pending = stored.values().filter(|u| seat_status(u).as_deref() == Some("pending")).count() as i64;
    assert_eq!((assigned, pending), (seats, users as i64 - seats));
    let counters = app.seat_counters("acme").await.unwrap();
    assert_eq!((counters.assigned, counters.pending), (assigned, pending), "counters equal the recount");
    let count = |status: &str| {
        let filter = format!("urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status eq \"{status}\"");
        let path = format!("/Users?count=0&filter={}", form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>());
        let scim = scim.clone();
        async move { scim.get(&path).await.body["totalResults"].as_i64() }
    };
    assert_eq!((count("assigned").await, count("pending").await), (Some(assigned), Some(pending)));
    eprintln!(
        "crash test: {} acknowledged before the kill, {} in flight ({} of them committed), {:.1} s",
        acknowledged.len(),
        in_doubt.len(),
        found.len(),
        started.elapsed().as_secs_f64()
    );
}
