use lanyard_testkit::{Scim, TestServer, json, patch_op};
use reqwest::Method;

#[tokio::test]
async fn another_tenants_ids_are_not_found_and_nothing_changes() {
    let s = TestServer::start().await;
    let acme = s.tenant("acme").await;
    let globex = s.tenant("globex").await;
    let user = acme.create_user("secret@acme.com").await;
    let group = acme.create_group("Acme Staff", &[&user]).await;
    let before_user = acme.get(&format!("/Users/{user}")).await.body;
    let before_group = acme.get(&format!("/Groups/{group}")).await.body;

    globex.get(&format!("/Users/{user}")).await.expect_error(404, None);
    globex.get(&format!("/Groups/{group}")).await.expect_error(404, None);
    globex.put(&format!("/Users/{user}"), &json!({"userName": "hijack"})).await.expect_error(404, None);
    globex
        .patch(&format!("/Users/{user}"), &patch_op(json!([{"op": "replace", "path": "active", "value": false}])))
        .await
        .expect_error(404, None);
    globex.delete(&format!("/Users/{user}")).await.expect_error(404, None);
    globex.patch(&format!("/Groups/{group}"), &patch_op(json!([{"op": "remove", "path": "members"}]))).await.expect_error(404, None);
    globex.delete(&format!("/Groups/{group}")).await.expect_error(404, None);
    // Another tenant's user cannot be made a member.
    let g2 = globex.create_group("Globex", &[]).await;
    globex
        .patch(&format!("/Groups/{g2}"), &patch_op(json!([{"op": "add", "path": "members", "value": [{"value": user}]}])))
        .await
        .expect_error(400, Some("invalidValue"));
    globex.post("/Groups", &json!({"displayName": "Sneaky", "members": [{"value": user}]})).await.expect_error(400, Some("invalidValue"));

    for path in ["/Users", "/Groups", "/Users?filter=userName+eq+%22secret%40acme.com%22"] {
        assert_eq!(globex.get(path).await.body["totalResults"], if path == "/Groups" { 1 } else { 0 }, "{path}");
    }
    let all = globex.post("/.search", &json!({})).await;
    assert_eq!(all.body["totalResults"], 1);

    assert_eq!(acme.get(&format!("/Users/{user}")).await.body, before_user);
    assert_eq!(acme.get(&format!("/Groups/{group}")).await.body, before_group);
}

/// B's state as B sees it: every resource and list byte for byte, its seat
/// counters and its audit log.
async fn snapshot(s: &TestServer, b: &Scim, ids: &[String]) -> (Vec<String>, lanyard_store::SeatCounters, Vec<lanyard_store::AuditEvent>) {
    let mut texts = Vec::new();
    for path in ids.iter().map(String::as_str).chain(["/Users", "/Groups", "/Users?filter=active+eq+true"]) {
        let res = b.get(path).await;
        res.expect(200);
        texts.push(format!("{:?} {}", res.header("etag"), res.text));
    }
    texts.push(b.post("/.search", &json!({})).await.text);
    (texts, s.app.seat_counters("globex").await.unwrap(), s.app.audit_events("globex", None, i64::MAX).await.unwrap())
}

/// Every SCIM endpoint and method, with tenant A's token, aimed at tenant
/// B's ids, names and members: nothing of B is seen, nothing of B changes.
#[tokio::test]
async fn walking_every_endpoint_with_another_tenants_ids_leaks_and_changes_nothing() {
    let s = TestServer::start().await;
    let a = s.tenant("acme").await;
    let b = s.tenant_with_seats("globex", Some(1)).await;
    let a1 = a.create_user("alice@acme.com").await;
    let a_group = a.create_group("Acme Staff", &[&a1]).await;
    let b1 = b.create_user("bob@globex.com").await;
    let b2 = b.create_user("bea@globex.com").await; // pending: B has one seat
    let b_group = b.create_group("Globex Staff", &[&b1, &b2]).await;
    b.patch(&format!("/Users/{b1}"), &patch_op(json!([{"op": "add", "value": {"externalId": "ext-bob"}}]))).await.expect(200);
    let b_paths = [format!("/Users/{b1}"), format!("/Users/{b2}"), format!("/Groups/{b_group}")];
    let before = snapshot(&s, &b, &b_paths).await;
    assert_eq!((before.1.assigned, before.1.pending), (1, 1));

    // Reads, writes and deletes of B's ids: 404, the same as for no id at all.
    let user_body = json!({"userName": "bob@globex.com", "active": false});
    let group_body = json!({"displayName": "Hijacked", "members": []});
    let user_patch = patch_op(json!([{"op": "replace", "path": "active", "value": false}]));
    let group_patch = patch_op(json!([{"op": "remove", "path": "members"}]));
    for (path, body, patch) in [
        (format!("/Users/{b1}"), &user_body, &user_patch),
        (format!("/Users/{b2}"), &user_body, &user_patch),
        (format!("/Groups/{b_group}"), &group_body, &group_patch),
    ] {
        let unknown = a.get(&format!("{}/00000000-0000-0000-0000-000000000000", path.rsplit_once('/').unwrap().0)).await;
        for res in [
            a.get(&path).await,
            a.get(&format!("{path}?attributes=userName,displayName")).await,
            a.send(Method::GET, &path, None, &[("If-None-Match", "W/\"1\"")]).await,
            a.put(&path, body).await,
            a.send(Method::PUT, &path, Some(body), &[("If-Match", "*")]).await,
            a.patch(&path, patch).await,
            a.patch(&format!("{path}?attributes=id"), patch).await,
            a.delete(&path).await,
            a.send(Method::DELETE, &path, None, &[("If-Match", "*")]).await,
        ] {
            res.expect_error(404, None);
            assert!(!res.text.contains("globex") && !res.text.contains(&b1) && !res.text.contains("bob@"), "{}", res.text);
            assert_eq!(res.body["detail"], unknown.body["detail"], "a foreign id looks like no id at all");
        }
    }

    // Filters and searches naming B's ids, names and members find nothing.
    let user_filters = [
        format!("id eq \"{b1}\""),
        "userName eq \"bob@globex.com\"".to_string(),
        "userName sw \"b\"".to_string(),
        "emails.value co \"globex\"".to_string(),
        "externalId eq \"ext-bob\"".to_string(),
        format!("groups.value eq \"{b_group}\""),
        "urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status eq \"pending\"".to_string(),
    ];
    let group_filters =
        [format!("id eq \"{b_group}\""), "displayName eq \"Globex Staff\"".to_string(), format!("members.value eq \"{b1}\"")];
    let encode = |f: &str| form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>();
    for (endpoint, filters) in [("/Users", &user_filters[..]), ("/Groups", &group_filters[..])] {
        for f in filters {
            for res in [
                a.get(&format!("{endpoint}?filter={}", encode(f))).await,
                a.post(&format!("{endpoint}/.search"), &json!({"filter": f})).await,
                a.post("/.search", &json!({"filter": f})).await,
            ] {
                res.expect(200);
                assert_eq!(res.body["totalResults"], 0, "{endpoint} {f}: {}", res.text);
            }
        }
    }
    // Unfiltered lists hold only A's resources.
    for (res, expected) in [(a.get("/Users").await, 1), (a.get("/Groups").await, 1), (a.post("/.search", &json!({})).await, 2)] {
        assert_eq!(res.body["totalResults"], expected, "{}", res.text);
        assert!(!res.text.contains("globex") && !res.text.contains(&b1) && !res.text.contains(&b2), "{}", res.text);
    }

    // B's users cannot become members of A's groups, by any route.
    let a_group_path = format!("/Groups/{a_group}");
    for op in [
        json!({"op": "add", "path": "members", "value": [{"value": b1}]}),
        json!({"op": "add", "value": {"members": [{"value": b2}]}}),
        json!({"op": "replace", "path": "members", "value": [{"value": a1}, {"value": b1}]}),
    ] {
        a.patch(&a_group_path, &patch_op(json!([op]))).await.expect_error(400, Some("invalidValue"));
    }
    a.put(&a_group_path, &json!({"displayName": "Acme Staff", "members": [{"value": b1}]})).await.expect_error(400, Some("invalidValue"));
    a.post("/Groups", &json!({"displayName": "Sneaky", "members": [{"value": b2}]})).await.expect_error(400, Some("invalidValue"));
    // Removing a foreign id from A's group touches only A's group.
    let removed = a.patch(&a_group_path, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{b1}\"]")}]))).await;
    assert!(removed.status == 204 || removed.status == 400, "{}", removed.text);
    assert_eq!(a.get(&a_group_path).await.body["members"][0]["value"], a1.as_str());
    // A resource body naming B's id changes A's own resource only.
    let a1_put = a.put(&format!("/Users/{a1}"), &json!({"id": b1, "userName": "alice@acme.com", "title": "renamed"})).await;
    a1_put.expect(200);
    assert_eq!(a1_put.body["id"], a1.as_str());

    // Names are per tenant: B's names are free in A, and taking them says nothing about B.
    a.post("/Users", &json!({"userName": "bob@globex.com", "externalId": "ext-bob"})).await.expect(201);
    a.post("/Groups", &json!({"displayName": "Globex Staff"})).await.expect(201);

    // Tokens are per tenant: B's token on A's URL and A's on B's are 401.
    let b_on_a = a.with_token(&b.token);
    let a_on_b = b.with_token(&a.token);
    for res in [
        b_on_a.get("/Users").await,
        b_on_a.get(&format!("/Users/{b1}")).await,
        b_on_a.get(&format!("/Users/{a1}")).await,
        b_on_a.post("/Users", &json!({"userName": "x@x.com"})).await,
        b_on_a.delete(&format!("/Users/{a1}")).await,
        a_on_b.get(&format!("/Users/{b1}")).await,
        a_on_b.delete(&format!("/Users/{b1}")).await,
        a_on_b.patch(&format!("/Groups/{b_group}"), &group_patch).await,
        a_on_b.post("/.search", &json!({})).await,
    ] {
        res.expect_error(401, None);
    }

    let after = snapshot(&s, &b, &b_paths).await;
    assert_eq!(after.0, before.0, "B's resources and lists are byte-identical");
    assert_eq!(after.1, before.1, "B's seat counters are unchanged");
    assert_eq!(after.2, before.2, "B's audit log is unchanged");
}
