//! A strict RFC 7644 client (generic SCIM libraries, conformance tools):
//! discovery first, `Accept: application/scim+json`, ETags with
//! `If-Match` / `If-None-Match` on every write, sorted paging, `.search`,
//! `attributes` projections, lower-case PATCH ops with paths, groups with
//! members from the start, rename by PUT and deletes with preconditions.

use lanyard_testkit::{Res, Scim, TestServer, json, patch_op};
use reqwest::Method;
use serde_json::Value;

use crate::lifecycle::{
    ENTERPRISE, Idp, SEAT_EXT, SYNC_USERS, USER_SCHEMA, enc, error, group, group_ids, list, member_ids, queue, seat, seat_invariant,
    sorted, sync, user,
};

const SLUG: &str = "generic";

fn generic(scim: Scim) -> Idp {
    Idp::new(scim, &[("Accept", "application/scim+json"), ("User-Agent", "rfc7644-client/1.0")], "application/scim+json")
}

fn lookup(user_name: &str) -> String {
    format!("/Users?filter={}", enc(&format!("userName eq \"{user_name}\""), false))
}

fn body(user_name: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true
    })
}

fn etag(res: &Res) -> String {
    let tag = res.header("etag").expect("ETag").to_string();
    assert_eq!(res.body["meta"]["version"], tag.as_str(), "meta.version is the ETag");
    tag
}

async fn with(idp: &Idp, method: Method, path: &str, body: Option<&Value>, if_match: &str) -> Res {
    idp.send_with(method, path, body, &[("If-Match", if_match)]).await
}

fn set_active(active: bool) -> Value {
    patch_op(json!([{"op": "replace", "path": "active", "value": active}]))
}

#[tokio::test]
async fn generic_discovery_then_test_user_with_etags_twice_with_the_same_user_name() {
    let s = TestServer::start().await;
    let idp = generic(s.tenant_with_seats(SLUG, Some(1)).await);
    // "Test connection": discovery.
    let spc = idp.get("/ServiceProviderConfig").await;
    spc.expect(200);
    assert_eq!((spc.body["patch"]["supported"].as_bool(), spc.body["etag"]["supported"].as_bool()), (Some(true), Some(true)));
    assert_eq!(spc.body["filter"]["maxResults"], 1000);
    let types = list(&idp.get("/ResourceTypes").await, 2);
    let user_type = types.iter().find(|t| t["id"] == "User").expect("User resource type");
    assert_eq!(user_type["endpoint"], "/Users");
    assert!(list(&idp.get("/Schemas").await, 4).iter().any(|s| s["id"] == SEAT_EXT));
    assert!(list(&idp.get("/Users?count=1").await, 0).is_empty());

    let name = "generic.test@example.com";
    let mut ids = Vec::new();
    for _ in 0..2 {
        assert!(list(&idp.get(&lookup(name)).await, 0).is_empty());
        let res = idp.post("/Users", &body(name, "Generic", "Test")).await;
        let id = user(&res, 201);
        assert_eq!(seat(&res.body), "assigned");
        let path = format!("/Users/{id}");
        let v1 = etag(&res);
        // Conditional read: unchanged is 304 without a body.
        let res = idp.send_with(Method::GET, &path, None, &[("If-None-Match", &v1)]).await;
        res.expect(304);
        assert!(res.text.is_empty());
        // Update with the current version; the old one is then stale.
        let res = with(&idp, Method::PUT, &path, Some(&body(name, "Generic", "Updated")), &v1).await;
        user(&res, 200);
        let v2 = etag(&res);
        assert_ne!(v1, v2);
        assert_eq!(res.body["name"]["familyName"], "Updated");
        error(&with(&idp, Method::PATCH, &path, Some(&set_active(false)), &v1).await, 412, None);
        error(&with(&idp, Method::DELETE, &path, None, &v1).await, 412, None);
        assert_eq!(seat(&idp.get(&path).await.body), "assigned", "a refused write changes nothing");
        with(&idp, Method::DELETE, &path, None, &v2).await.expect(204);
        error(&idp.get(&path).await, 404, None);
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (0, 0));
}

#[tokio::test]
async fn generic_initial_sync_sorted_paging_patch_updates_suspend_and_delete_with_seats() {
    let s = TestServer::start().await;
    let limit = SYNC_USERS as i64 - 5;
    let idp = generic(s.tenant_with_seats(SLUG, Some(limit)).await);
    let name = |i: usize| format!("g{i:04}@example.com");
    let ids = sync(&idp, SYNC_USERS, move |i| (lookup(&name(i)), body(&name(i), "G", &i.to_string()))).await;
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 5));

    // Sorted paging with a projection: every user once, in userName order.
    let mut names = Vec::new();
    for start in [1, 251, 501, 751] {
        let res = idp.get(&format!("/Users?sortBy=userName&sortOrder=ascending&startIndex={start}&count=250&attributes=userName")).await;
        let page = list(&res, SYNC_USERS as u64);
        assert_eq!(res.body["startIndex"], start);
        for u in &page {
            let keys: Vec<&String> = u.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["schemas", "id", "userName"], "attributes=userName returns id and userName only");
        }
        names.extend(page.iter().map(|u| u["userName"].as_str().unwrap().to_string()));
    }
    assert_eq!(names, (0..SYNC_USERS).map(name).collect::<Vec<_>>());
    // POST .search finds the same as the GET lookup.
    let res = idp.post("/Users/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"g0042@example.com\"", "startIndex": 1, "count": 10})).await;
    assert_eq!(list(&res, 1)[0]["id"], ids[42].as_str());

    let waiting = queue(&s, SLUG).await;
    let seated: Vec<String> = ids.iter().filter(|id| !waiting.contains(id)).cloned().collect();

    // PATCH with If-Match: add, replace, remove with paths.
    let path = format!("/Users/{}", seated[0]);
    let current = idp.get(&path).await;
    let res = with(
        &idp,
        Method::PATCH,
        &path,
        Some(&patch_op(json!([
            {"op": "add", "path": "phoneNumbers", "value": [{"value": "+1 555 0100", "type": "work"}]},
            {"op": "add", "path": "title", "value": "Lead"},
            {"op": "replace", "path": "name.givenName", "value": "Patched"},
            {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "value": "CC1"}
        ]))),
        &etag(&current),
    )
    .await;
    user(&res, 200);
    assert_eq!(res.body["phoneNumbers"], json!([{"value": "+1 555 0100", "type": "work"}]));
    assert_eq!((res.body["name"]["givenName"].as_str(), res.body[ENTERPRISE]["costCenter"].as_str()), (Some("Patched"), Some("CC1")));
    let res = with(
        &idp,
        Method::PATCH,
        &path,
        Some(&patch_op(json!([{"op": "remove", "path": "title"}, {"op": "remove", "path": "phoneNumbers"}]))),
        &etag(&res),
    )
    .await;
    user(&res, 200);
    assert!(res.body.get("title").is_none() && res.body.get("phoneNumbers").is_none());
    assert_eq!(seat(&res.body), "assigned");

    // Suspend with If-Match frees seats in queue order.
    for (k, id) in seated[..2].iter().enumerate() {
        let p = format!("/Users/{id}");
        let res = with(&idp, Method::PATCH, &p, Some(&set_active(false)), &etag(&idp.get(&p).await)).await;
        user(&res, 200);
        assert_eq!(seat(&res.body), "none");
        assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[k])).await.body), "assigned");
    }
    let inactive = format!("/Users?filter={}", enc("active eq false", false));
    assert_eq!(list(&idp.get(&inactive).await, 2).len(), 2);
    let seat_filter = format!("/Users?filter={}", enc(&format!("{SEAT_EXT}:seat.status eq \"pending\""), false));
    assert_eq!(list(&idp.get(&seat_filter).await, 3).len(), 3);
    // Re-activation queues; a stale version is refused and moves no seat.
    let p = format!("/Users/{}", seated[0]);
    let stale = etag(&idp.get(&p).await);
    let res = with(&idp, Method::PATCH, &p, Some(&set_active(true)), &stale).await;
    assert_eq!(seat(&res.body), "pending");
    error(&with(&idp, Method::PATCH, &p, Some(&set_active(false)), &stale).await, 412, None);
    assert_eq!(queue(&s, SLUG).await, [waiting[2].clone(), waiting[3].clone(), waiting[4].clone(), seated[0].clone()]);

    // Delete with If-Match: a seated user's seat goes to the head of the queue.
    let p = format!("/Users/{}", seated[100]);
    with(&idp, Method::DELETE, &p, None, &etag(&idp.get(&p).await)).await.expect(204);
    assert_eq!(seat(&idp.get(&format!("/Users/{}", waiting[2])).await.body), "assigned");
    error(&idp.delete(&p).await, 404, None);
    assert_eq!(seat_invariant(&s, SLUG, &idp).await, (limit, 3));
    assert_eq!(list(&idp.get("/Users?count=0").await, SYNC_USERS as u64 - 1).len(), 0);
}

#[tokio::test]
async fn generic_groups_with_members_patch_put_rename_search_and_delete() {
    let s = TestServer::start().await;
    let idp = generic(s.tenant(SLUG).await);
    let name = |i: usize| format!("gm{i}@example.com");
    let u = sync(&idp, 4, move |i| (lookup(&name(i)), body(&name(i), "M", &i.to_string()))).await;

    let res = idp.post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Readers", "externalId": "r-1", "members": [{"value": u[0]}, {"value": u[1]}]})).await;
    let g = group(&res, 201);
    assert_eq!(member_ids(&res.body), sorted(&[&u[0], &u[1]]));
    for m in res.body["members"].as_array().unwrap() {
        assert_eq!(m["type"], "User");
        assert!(m["$ref"].as_str().unwrap().ends_with(&format!("/Users/{}", m["value"].as_str().unwrap())));
    }
    let path = format!("/Groups/{g}");
    let v1 = etag(&res);
    // PATCH with If-Match; asking for a representation gets 200 with it.
    let res = idp
        .send_with(
            Method::PATCH,
            &format!("{path}?attributes=members"),
            Some(&patch_op(json!([{"op": "add", "path": "members", "value": [{"value": u[2]}]}, {"op": "remove", "path": format!("members[value eq \"{}\"]", u[0])}]))),
            &[("If-Match", &v1)],
        )
        .await;
    res.expect(200);
    assert_eq!(member_ids(&res.body), sorted(&[&u[1], &u[2]]));
    error(
        &with(&idp, Method::PATCH, &path, Some(&patch_op(json!([{"op": "replace", "path": "displayName", "value": "X"}]))), &v1).await,
        412,
        None,
    );
    // Replace all members.
    idp.patch(&path, &patch_op(json!([{"op": "replace", "path": "members", "value": [{"value": u[3]}, {"value": u[1]}]}])))
        .await
        .expect(204);
    assert_eq!(member_ids(&idp.get(&path).await.body), sorted(&[&u[1], &u[3]]));
    // Rename by PUT without members keeps them.
    let current = idp.get(&path).await;
    let res = with(
        &idp,
        Method::PUT,
        &path,
        Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Readers Renamed", "externalId": "r-1"})),
        &etag(&current),
    )
    .await;
    group(&res, 200);
    assert_eq!(res.body["displayName"], "Readers Renamed");
    assert_eq!(member_ids(&res.body), sorted(&[&u[1], &u[3]]));
    // Search groups by member; users show the group.
    let res = idp.post("/Groups/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": format!("members.value eq \"{}\"", u[3]), "excludedAttributes": ["members"]})).await;
    let found = list(&res, 1);
    assert_eq!(found[0]["id"], g.as_str());
    assert!(found[0].get("members").is_none());
    assert_eq!(group_ids(&idp.get(&format!("/Users/{}", u[3])).await.body), vec![g.clone()]);
    // Delete with If-Match.
    let current = idp.get(&path).await;
    with(&idp, Method::DELETE, &path, None, &etag(&current)).await.expect(204);
    error(&idp.get(&path).await, 404, None);
    assert!(group_ids(&idp.get(&format!("/Users/{}", u[3])).await.body).is_empty());
    assert!(list(&idp.get("/Groups").await, 0).is_empty());
}

/// A user seated from the queue (because another was suspended) has a new
/// version and a new seat status, so its `meta.lastModified` must move too
/// (RFC 7643 §3.1): whoever syncs changes by `meta.lastModified` otherwise
/// never sees the seat.
#[tokio::test]
async fn generic_a_user_seated_from_the_queue_shows_a_new_last_modified() {
    let s = TestServer::start().await;
    let idp = generic(s.tenant_with_seats(SLUG, Some(1)).await);
    let a = user(&idp.post("/Users", &body("first@example.com", "A", "A")).await, 201);
    let b = user(&idp.post("/Users", &body("second@example.com", "B", "B")).await, 201);
    let before = idp.get(&format!("/Users/{b}")).await;
    assert_eq!(seat(&before.body), "pending");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let suspended = idp.patch(&format!("/Users/{a}"), &set_active(false)).await;
    user(&suspended, 200);
    let after = idp.get(&format!("/Users/{b}")).await;
    assert_eq!(seat(&after.body), "assigned");
    assert_ne!(etag(&after), etag(&before));
    assert_eq!(after.body["meta"]["lastModified"], suspended.body["meta"]["lastModified"], "seated in the suspending write");
}

/// `meta.created` / `meta.lastModified` are shown with the precision they
/// are stored and filtered with: a filter on the value a client was shown
/// finds that resource.
#[tokio::test]
async fn generic_filters_on_meta_timestamps_match_the_values_shown() {
    let s = TestServer::start().await;
    let idp = generic(s.tenant(SLUG).await);
    let res = idp.post("/Users", &body("stamp@example.com", "S", "T")).await;
    user(&res, 201);
    for attr in ["created", "lastModified"] {
        let shown = res.body["meta"][attr].as_str().unwrap();
        for (op, total) in [("eq", 1), ("ge", 1), ("le", 1), ("gt", 0), ("lt", 0)] {
            let f = enc(&format!("meta.{attr} {op} \"{shown}\""), false);
            list(&idp.get(&format!("/Users?filter={f}")).await, total);
        }
    }
}
