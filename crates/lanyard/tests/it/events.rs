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
