//! The event outbox: every change is an event, written with the change,
//! in feed order, with the resource as it now is and what changed.

use lanyard_store::{Event, EventPosition, TenantScope};
use lanyard_testkit::{TestServer, json, patch_op};

async fn feed(s: &TestServer, slug: Option<&str>, after: EventPosition) -> Vec<Event> {
    let scope = match slug {
        Some(slug) => Some(TenantScope::of(&s.app.tenant_by_slug(slug).await.unwrap())),
        None => None,
    };
    s.app.store().events_after(scope, after, 1000).await.unwrap()
}

/// The feed once it holds at least `n` events. On PostgreSQL the feed
/// shows a transaction only when every older one (of the whole server,
/// so also of tests running beside this one) has ended.
async fn feed_of(s: &TestServer, slug: Option<&str>, after: EventPosition, n: usize) -> Vec<Event> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let events = feed(s, slug, after).await;
        if events.len() >= n || std::time::Instant::now() > deadline {
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn kinds(events: &[Event]) -> Vec<(&str, &str)> {
    events.iter().map(|e| (e.event.kind.as_str(), e.event.resource_id.as_deref().unwrap_or(""))).collect()
}

#[tokio::test]
async fn every_change_is_an_event_in_order_with_the_resource_and_what_changed() {
    let s = TestServer::start().await;
    let acme = s.tenant_with_seats("acme", Some(1)).await;
    let a = acme.create_user("a@example.com").await;
    let b = acme.create_user("b@example.com").await;
    acme.patch(&format!("/Users/{a}"), &patch_op(json!([{"op": "replace", "path": "active", "value": false}]))).await.expect(200);
    acme.patch(&format!("/Users/{b}"), &patch_op(json!([{"op": "replace", "path": "title", "value": "Boss"}]))).await.expect(200);
    let g = acme.post("/Groups", &json!({"displayName": "Eng"})).await.id();
    acme.patch(&format!("/Groups/{g}"), &patch_op(json!([{"op": "replace", "path": "displayName", "value": "Engineering"}])))
        .await
        .expect(204);
    acme.delete(&format!("/Groups/{g}")).await.expect(204);
    acme.delete(&format!("/Users/{a}")).await.expect(204);

    let events = feed_of(&s, Some("acme"), EventPosition::default(), 11).await;
    assert_eq!(
        kinds(&events),
        vec![
            ("user.created", a.as_str()),
            ("seat.assigned", a.as_str()),
            ("user.created", b.as_str()),
            ("user.suspended", a.as_str()),
            ("seat.released", a.as_str()),
            ("seat.assigned", b.as_str()),
            ("user.updated", b.as_str()),
            ("group.created", g.as_str()),
            ("group.updated", g.as_str()),
            ("group.deleted", g.as_str()),
            ("user.deleted", a.as_str()),
        ]
    );
    assert!(events.windows(2).all(|w| w[0].position < w[1].position), "feed order");
    assert!(events.iter().all(|e| e.tenant == "acme"));
    let created = &events[0].event.data;
    assert_eq!(created["resource"]["userName"], "a@example.com");
    assert_eq!(created["resource"]["id"], a.as_str());
    let updated = &events[6].event.data;
    assert_eq!(updated["changed"], json!(["title"]));
    assert_eq!(updated["resource"]["title"], "Boss");
    assert_eq!(events[3].event.data["changed"], json!(["active"]));
    assert_eq!(events[3].event.data["resource"]["active"], false);
    assert_eq!(events[5].event.data, json!({"userName": "b@example.com", "from": "pending", "to": "assigned", "cause": "seat.freed"}));
    assert_eq!(events[8].event.data["changed"], json!(["displayName"]));
    assert_eq!(events[8].event.data["resource"]["displayName"], "Engineering");

    // Resuming from a position gives exactly what follows it.
    let rest = feed_of(&s, Some("acme"), events[6].position, 4).await;
    assert_eq!(rest, events[7..].to_vec());
}

#[tokio::test]
async fn the_global_feed_holds_every_tenant_and_a_tenant_feed_only_its_own() {
    let s = TestServer::start().await;
    let acme = s.tenant("acme").await;
    let other = s.tenant("other").await;
    acme.create_user("a@example.com").await;
    other.create_user("o@example.com").await;
    acme.create_user("b@example.com").await;
    // Each create: user.created, then seat.assigned (no seat limit).
    let all = feed_of(&s, None, EventPosition::default(), 6).await;
    let tenants: Vec<&str> = all.iter().filter(|e| e.event.kind == "user.created").map(|e| e.tenant.as_str()).collect();
    assert_eq!(tenants, ["acme", "other", "acme"]);
    assert!(feed_of(&s, Some("other"), EventPosition::default(), 2).await.iter().all(|e| e.tenant == "other"));
    // A failed write writes no event.
    acme.post("/Users", &json!({"userName": "a@example.com"})).await.expect(409);
    acme.create_user("c@example.com").await;
    let after = feed_of(&s, None, EventPosition::default(), all.len() + 2).await;
    let new: Vec<&str> = kinds(&after[all.len()..]).iter().map(|k| k.0).collect();
    assert_eq!(new, ["user.created", "seat.assigned"], "nothing from the failed write");
}

#[tokio::test]
async fn member_changes_are_one_event_per_member_added_or_removed() {
    let s = TestServer::start().await;
    let acme = s.tenant("acme").await;
    let (a, b, c) = (acme.create_user("a@x.com").await, acme.create_user("b@x.com").await, acme.create_user("c@x.com").await);
    let start = feed_of(&s, Some("acme"), EventPosition::default(), 6).await.last().unwrap().position;
    let g = acme.post("/Groups", &json!({"displayName": "Eng", "members": [{"value": a}]})).await.id();
    let path = format!("/Groups/{g}");
    // Adding a member twice, and a present one, adds each once.
    let add = patch_op(json!([{"op": "add", "path": "members", "value": [{"value": b}, {"value": b}, {"value": a}]}]));
    acme.patch(&path, &add).await.expect(204);
    acme.patch(&path, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]))).await.expect(204);
    acme.put(&path, &json!({"displayName": "Eng", "members": [{"value": b}, {"value": c}]})).await.expect(200);
    acme.delete(&format!("/Users/{c}")).await.expect(204);

    let events = feed_of(&s, Some("acme"), start, 9).await;
    let members: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.event.kind.starts_with("group.member_"))
        .map(|e| (e.event.kind.as_str(), e.event.data["member"]["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        members,
        [
            ("group.member_added", a.as_str()),
            ("group.member_added", b.as_str()),
            ("group.member_removed", a.as_str()),
            ("group.member_added", c.as_str()),
            ("group.member_removed", c.as_str()),
        ]
    );
    let first = events.iter().find(|e| e.event.kind == "group.member_added").unwrap();
    assert_eq!(first.event.data["group"], json!({"id": g, "displayName": "Eng"}));
    assert_eq!(first.event.data["member"]["type"], "User");
    assert_eq!(first.event.resource_id.as_deref(), Some(g.as_str()));
}

async fn api(s: &TestServer, key: &str, path_and_query: &str) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new().get(format!("{}{path_and_query}", s.url)).bearer_auth(key).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// Pages of `path` until `n` events have come (or 10 s passed), resuming
/// from each page's `next`.
async fn read_feed(s: &TestServer, key: &str, path: &str, n: usize) -> Vec<serde_json::Value> {
    let (mut events, mut after) = (Vec::new(), String::new());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while events.len() < n && std::time::Instant::now() < deadline {
        let (status, page) = api(s, key, &format!("{path}?limit=3&wait=1&after={after}")).await;
        assert_eq!(status, 200, "{page}");
        events.extend(page["events"].as_array().unwrap().iter().cloned());
        after = page["next"].as_str().unwrap().to_string();
    }
    events
}

#[tokio::test]
async fn the_feed_over_http_pages_resumes_and_keeps_tenants_apart() {
    let s = TestServer::start().await;
    let acme = s.tenant("acme").await;
    let other = s.tenant("other").await;
    let global = s.app.create_api_key(None, Some("app")).await.unwrap();
    let acme_key = s.app.create_api_key(Some("acme"), None).await.unwrap();
    assert!(global.key.starts_with("lya_"));
    for i in 0..3 {
        acme.create_user(&format!("a{i}@x.com")).await;
    }
    other.create_user("o@x.com").await;

    // Global key, whole feed: 4 users, each user.created + seat.assigned.
    let all = read_feed(&s, &global.key, "/api/v1/events", 8).await;
    assert_eq!(all.len(), 8);
    assert_eq!(all[0]["type"], "user.created");
    assert_eq!(all[0]["tenant"], "acme");
    assert_eq!(all[0]["resource"]["type"], "User");
    assert!(all[0]["data"]["resource"]["userName"].is_string());
    assert!(all[0]["at"].as_str().unwrap().ends_with('Z'));
    let cursors: Vec<&str> = all.iter().map(|e| e["cursor"].as_str().unwrap()).collect();
    assert_eq!(cursors.iter().collect::<std::collections::HashSet<_>>().len(), 8, "no event twice");

    // A tenant key reads its tenant only, on either path; never another's.
    let mine = read_feed(&s, &acme_key.key, "/api/v1/events", 6).await;
    assert!(mine.iter().all(|e| e["tenant"] == "acme") && mine.len() == 6);
    assert_eq!(api(&s, &acme_key.key, "/api/v1/tenants/other/events").await.0, 404);
    assert_eq!(read_feed(&s, &global.key, "/api/v1/tenants/other/events", 2).await.len(), 2);

    // Long poll: a reader at the end waits and gets the next event.
    let end = all.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let waiting = {
        let (url, key) = (format!("{}/api/v1/events?wait=10&after={end}", s.url), global.key.clone());
        tokio::spawn(async move {
            reqwest::Client::new().get(url).bearer_auth(key).send().await.unwrap().json::<serde_json::Value>().await.unwrap()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    other.create_user("late@x.com").await;
    let page = waiting.await.unwrap();
    assert_eq!(page["events"][0]["type"], "user.created");
    assert_eq!(page["events"][0]["data"]["resource"]["userName"], "late@x.com");

    // Bad input and bad keys.
    assert_eq!(api(&s, &global.key, "/api/v1/events?after=nonsense").await.0, 400);
    assert_eq!(api(&s, &global.key, "/api/v1/events?limit=0").await.0, 400);
    assert_eq!(api(&s, &global.key, "/api/v1/tenants/nope/events").await.0, 404);
    assert_eq!(api(&s, &acme.token, "/api/v1/events").await.0, 401, "a SCIM token is no API key");
    assert_eq!(api(&s, "lya_wrong", "/api/v1/events").await.0, 401);
    s.app.revoke_api_key(&global.id).await.unwrap();
    let (status, body) = api(&s, &global.key, "/api/v1/events").await;
    assert_eq!((status, body["status"].as_u64()), (401, Some(401)));
}
