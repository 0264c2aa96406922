use lanyard_testkit::{Scim, TestServer, json, patch_op};

async fn seat(scim: &Scim, id: &str) -> String {
    let u = scim.get(&format!("/Users/{id}")).await.body;
    u["urn:lanyard:params:scim:schemas:extension:seat:2.0:User"]["seat"]["status"].as_str().unwrap().to_string()
}

async fn suspend(scim: &Scim, id: &str, active: bool) {
    scim.patch(&format!("/Users/{id}"), &patch_op(json!([{"op": "replace", "path": "active", "value": active}]))).await.expect(200);
}

#[tokio::test]
async fn seats_are_taken_queued_freed_and_handed_on_in_order() {
    let s = TestServer::start().await;
    let scim = s.tenant_with_seats("acme", Some(2)).await;
    let a = scim.create_user("a@x.com").await;
    let b = scim.create_user("b@x.com").await;
    let c = scim.create_user("c@x.com").await;
    let d = scim.create_user("d@x.com").await;
    assert_eq!(
        [seat(&scim, &a).await, seat(&scim, &b).await, seat(&scim, &c).await, seat(&scim, &d).await],
        ["assigned", "assigned", "pending", "pending"]
    );
    let pending = scim
        .get("/Users?filter=urn%3Alanyard%3Aparams%3Ascim%3Aschemas%3Aextension%3Aseat%3A2.0%3AUser%3Aseat.status+eq+%22pending%22")
        .await;
    assert_eq!(pending.body["totalResults"], 2);

    // Suspending frees the seat for the oldest pending user.
    suspend(&scim, &a, false).await;
    assert_eq!(seat(&scim, &a).await, "none");
    assert_eq!(seat(&scim, &c).await, "assigned");
    assert_eq!(seat(&scim, &d).await, "pending");
    // Re-activation queues behind d.
    suspend(&scim, &a, true).await;
    assert_eq!(seat(&scim, &a).await, "pending");
    // DELETE frees too: d was waiting longest.
    scim.delete(&format!("/Users/{b}")).await.expect(204);
    assert_eq!(seat(&scim, &d).await, "assigned");
    assert_eq!(seat(&scim, &a).await, "pending");
    let counters = s.app.seat_counters("acme").await.unwrap();
    assert_eq!((counters.limit, counters.assigned, counters.pending), (Some(2), 2, 1));

    // Raising the limit seats the queue; lowering it evicts nobody.
    let after = s.app.set_seat_limit("acme", Some(5), "test").await.unwrap();
    assert_eq!((after.assigned, after.pending), (3, 0));
    assert_eq!(seat(&scim, &a).await, "assigned");
    let after = s.app.set_seat_limit("acme", Some(1), "test").await.unwrap();
    assert_eq!((after.assigned, after.pending), (3, 0));
    let e = scim.create_user("e@x.com").await;
    assert_eq!(seat(&scim, &e).await, "pending");
    let f = scim.create_user("f@x.com").await;

    // `seats list` order: seated users by assignment time, then the queue.
    let holders: Vec<(String, &str)> =
        s.app.seat_holders("acme", None).await.unwrap().iter().map(|u| (u.id.clone(), u.seat.status.as_str())).collect();
    let expected =
        [(c.clone(), "assigned"), (d.clone(), "assigned"), (a.clone(), "assigned"), (e.clone(), "pending"), (f.clone(), "pending")];
    assert_eq!(holders, expected.map(|(id, st)| (id, st)));
    let pending = s.app.seat_holders("acme", Some(lanyard_store::SeatStatus::Pending)).await.unwrap();
    assert_eq!(pending.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(), [e.as_str(), f.as_str()]);
}

#[tokio::test]
async fn inactive_users_hold_no_seat_and_every_form_of_suspend_frees_it() {
    let s = TestServer::start().await;
    let scim = s.tenant_with_seats("acme", Some(10)).await;
    let res = scim.post("/Users", &json!({"userName": "off@x.com", "active": false})).await;
    assert_eq!(res.body["urn:lanyard:params:scim:schemas:extension:seat:2.0:User"]["seat"], json!({"status": "none"}));
    let forms = [
        patch_op(json!([{"op": "replace", "path": "active", "value": false}])),
        patch_op(json!([{"op": "replace", "value": {"active": false}}])),
        patch_op(json!([{"op": "Replace", "path": "active", "value": "False"}])),
    ];
    for form in forms {
        let id = scim.create_user(&format!("{}@x.com", uuid_like())).await;
        assert_eq!(seat(&scim, &id).await, "assigned");
        scim.patch(&format!("/Users/{id}"), &form).await.expect(200);
        assert_eq!(seat(&scim, &id).await, "none", "{form}");
    }
    let id = scim.create_user("put@x.com").await;
    scim.put(&format!("/Users/{id}"), &json!({"userName": "put@x.com", "active": false})).await.expect(200);
    assert_eq!(seat(&scim, &id).await, "none");
    let counters = s.app.seat_counters("acme").await.unwrap();
    assert_eq!((counters.assigned, counters.pending), (0, 0));
}

#[tokio::test]
async fn seat_changes_are_audited() {
    let s = TestServer::start().await;
    let scim = s.tenant_with_seats("acme", Some(1)).await;
    let a = scim.create_user("a@x.com").await;
    let b = scim.create_user("b@x.com").await;
    suspend(&scim, &a, false).await;
    let events = s.app.audit_events("acme", None, 100).await.unwrap();
    let seat_events: Vec<(String, Option<String>, String)> = events
        .iter()
        .filter(|e| e.event.action.starts_with("seat."))
        .map(|e| (e.event.action.clone(), e.event.resource_id.clone(), e.event.detail["cause"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(
        seat_events,
        [
            ("seat.assigned".to_string(), Some(a.clone()), "user.created".to_string()),
            ("seat.pending".to_string(), Some(b.clone()), "user.created".to_string()),
            ("seat.released".to_string(), Some(a.clone()), "user.suspended".to_string()),
            ("seat.assigned".to_string(), Some(b.clone()), "seat.freed".to_string()),
        ]
    );
    assert!(events.iter().all(|e| e.event.actor.starts_with("token:")));
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("u{}", N.fetch_add(1, Ordering::Relaxed))
}

#[tokio::test]
async fn audit_events_older_than_the_retention_are_pruned_and_newer_ones_kept() {
    let s = TestServer::start().await;
    let acme = s.tenant("acme").await;
    acme.create_user("old@example.com").await;
    let before = s.app.audit_events("acme", None, 1000).await.unwrap().len();
    assert!(before >= 2);
    // Nothing is a year old.
    assert_eq!(s.app.prune_audit(std::time::Duration::from_secs(365 * 86_400)).await.unwrap(), 0);
    assert_eq!(s.app.audit_events("acme", None, 1000).await.unwrap().len(), before);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    acme.create_user("new@example.com").await;
    let all = s.app.audit_events("acme", None, 1000).await.unwrap();
    // Cut at the second user's first event: the first user's events go.
    let pruned = s.app.store().prune_audit(all[before].event.at).await.unwrap();
    assert_eq!(pruned as usize, before);
    let left = s.app.audit_events("acme", None, 1000).await.unwrap();
    assert_eq!(left, all[before..].to_vec());
}
