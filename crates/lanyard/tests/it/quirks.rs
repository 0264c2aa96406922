//! Each client quirk of IDP-CLIENTS.md, with its exact request shape.

use lanyard_testkit::{Scim, TestServer, json, patch_op};
use reqwest::Method;

fn members(res: &lanyard_testkit::Res) -> Vec<String> {
    let mut ids: Vec<String> =
        res.body["members"].as_array().map(|a| a.iter().map(|m| m["value"].as_str().unwrap().to_string()).collect()).unwrap_or_default();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn test_connection_probes_get_200_empty_list_responses() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    for path in [
        "/Users",                                                               // JumpCloud
        "/Users?startIndex=1&count=2",                                          // Okta
        "/Groups?startIndex=1&count=100",                                       // Okta
        "/Users?filter=userName+eq+%226a1b5f8e-0000-4c1e-9d7a-1f2e3d4c5b6a%22", // Entra, `+` for spaces
        "/Users?filter=userName+eq+%22nobody%40example.com%22&",                // OneLogin, trailing &
        "/Users?count=1",                                                       // Google
    ] {
        let res = scim.send(Method::GET, path, None, &[("User-Agent", "")]).await;
        res.expect(200);
        assert_eq!(res.body["totalResults"], 0, "{path}");
        assert_eq!(res.body["Resources"], json!([]), "{path}");
        assert_eq!(res.body["startIndex"], 1);
        assert_eq!(res.body["itemsPerPage"], 0);
        assert!(res.header("content-type").unwrap().starts_with("application/scim+json"));
    }
}

#[tokio::test]
async fn base_url_with_trailing_slash_or_entra_flag_works() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.get("/Users/").await.expect(200);
    scim.get("/Users?aadOptscim062020").await.expect(200);
    scim.get("/ServiceProviderConfig/").await.expect(200);
    let id = scim.create_user("slash@x.com").await;
    scim.get(&format!("/Users/{id}/")).await.expect(200);
    scim.get(&format!("/Users/{id}?aadOptscim062020")).await.expect(200);
    // A base URL pasted with a trailing slash, joined with "/Users".
    let doubled = scim.get("//Users?filter=userName+eq+%22slash%40x.com%22").await;
    doubled.expect(200);
    assert_eq!(doubled.body["totalResults"], 1);
    scim.get(&format!("//Users//{id}")).await.expect(200);
}

#[tokio::test]
async fn jumpcloud_activation_creates_updates_and_deletes_the_test_user_twice() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    for _ in 0..2 {
        let lookup = scim.get("/Users?filter=userName%20eq%20%22test.user%40example.com%22").await;
        assert_eq!(lookup.body["totalResults"], 0);
        let res = scim
            .post(
                "/Users",
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "test.user@example.com",
                        "name": {"givenName": "Test", "familyName": "User"}, "displayName": "Test User",
                        "emails": [{"value": "test.user@example.com", "type": "work", "primary": true}], "active": true}),
            )
            .await;
        res.expect(201);
        assert!(res.body["id"].is_string());
        let id = res.id();
        let res = scim
            .patch(
                &format!("/Users/{id}"),
                &patch_op(json!([
                    {"op": "replace", "path": "name.givenName", "value": "Tested"},
                    {"op": "replace", "path": "name.familyName", "value": "Person"},
                    {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "test.user@example.com"},
                    {"op": "replace", "path": "active", "value": false}
                ])),
            )
            .await;
        res.expect(200);
        assert_eq!(res.body["name"]["givenName"], "Tested");
        assert_eq!(res.body["active"], false);
        scim.delete(&format!("/Users/{id}")).await.expect(204);
    }
}

#[tokio::test]
async fn okta_create_with_password_groups_and_locale_then_put_the_full_object() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let lookup = scim.get("/Users?filter=userName%20eq%20%22dade.murphy%40example.com%22&startIndex=1&count=100").await;
    assert_eq!(lookup.body["totalResults"], 0);
    let res = scim
        .send(
            Method::POST,
            "/Users",
            Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "dade.murphy@example.com",
                         "name": {"givenName": "Dade", "familyName": "Murphy"}, "emails": [{"primary": true, "value": "dade.murphy@example.com", "type": "work"}],
                         "displayName": "Dade Murphy", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7", "groups": [],
                         "password": "1mz050nq", "active": true})),
            &[("User-Agent", "Okta SCIM Client 1.0.0"), ("Accept", "application/scim+json"), ("Accept-Charset", "utf-8")],
        )
        .await;
    res.expect(201);
    assert!(res.body.get("password").is_none());
    let id = res.id();
    // OIN apps read, then PUT the whole object back (id, meta and groups included).
    let mut full = scim.get(&format!("/Users/{id}")).await.body;
    full["name"]["familyName"] = json!("Murphy-Burns");
    scim.put(&format!("/Users/{id}"), &full).await.expect(200);
    // Deactivation: path-less replace.
    let res = scim.patch(&format!("/Users/{id}"), &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "value": {"active": false}}]})).await;
    res.expect(200);
    assert_eq!(res.body["active"], false);
    assert_eq!(res.body["name"]["familyName"], "Murphy-Burns");
    // AIW apps deactivate with PUT.
    full["active"] = json!(true);
    assert_eq!(scim.put(&format!("/Users/{id}"), &full).await.body["active"], true);
    full["active"] = json!(false);
    assert_eq!(scim.put(&format!("/Users/{id}"), &full).await.body["active"], false);
}

#[tokio::test]
async fn okta_group_push_rename_member_changes_and_empty_replace() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let a = scim.create_user("a@x.com").await;
    let b = scim.create_user("b@x.com").await;
    let res = scim
        .post("/Groups", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Test SCIMv2", "members": []}))
        .await;
    res.expect(201);
    let g = res.id();
    let path = format!("/Groups/{g}");
    scim.patch(&path, &patch_op(json!([{"op": "replace", "value": {"id": g, "displayName": "Test SCIMv2 renamed"}}]))).await.expect(204);
    scim.patch(
        &path,
        &patch_op(
            json!([{"op": "add", "path": "members", "value": [{"value": a, "display": "a@x.com"}, {"value": b, "display": "b@x.com"}]}]),
        ),
    )
    .await
    .expect(204);
    scim.patch(&path, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}, {"op": "add", "path": "members", "value": [{"value": a, "display": "a@x.com"}]}])))
        .await
        .expect(204);
    let got = scim.get(&path).await;
    assert_eq!(got.body["displayName"], "Test SCIMv2 renamed");
    assert_eq!(members(&got), sorted(&[&a, &b]));
    scim.patch(&path, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]))).await.expect(204);
    assert_eq!(members(&scim.get(&path).await), vec![a.clone()]);
    scim.patch(&path, &patch_op(json!([{"op": "replace", "path": "members", "value": []}]))).await.expect(204);
    assert!(scim.get(&path).await.body.get("members").is_none());
    scim.delete(&path).await.expect(204);
    scim.get(&path).await.expect_error(404, None);
}

#[tokio::test]
async fn entra_user_lifecycle_with_capitalised_ops_and_string_booleans() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let res = scim
        .post(
            "/Users?aadOptscim062020",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                    "externalId": "jyoung", "userName": "Test_User_ab6490ee@testuser.com", "active": true,
                    "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
                    "meta": {"resourceType": "User"}, "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
                    "roles": []}),
        )
        .await;
    res.expect(201);
    let id = res.id();
    // Unquoted filter values (Entra's documented example).
    let found = scim.get("/Users?filter=externalId+eq+jyoung").await;
    assert_eq!(found.body["totalResults"], 1);
    let found = scim.get("/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22test_user_fd0ea19b%40testuser.com%22").await;
    assert_eq!(found.body["totalResults"], 1);

    let path = format!("/Users/{id}");
    let res = scim
        .patch(
            &path,
            &patch_op(json!([
                {"op": "Replace", "path": "displayName", "value": "New Name"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@testuser.com"},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"},
                {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "26118915-6090-4610-87e4-49d8ca9f808d"},
                {"op": "Replace", "path": "active", "value": "False"}
            ])),
        )
        .await;
    res.expect(200);
    let u = &res.body;
    assert_eq!(u["displayName"], "New Name");
    assert_eq!(u["emails"][0]["value"], "updated@testuser.com");
    let ent = &u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
    assert_eq!(ent["employeeNumber"], "42");
    assert_eq!(ent["manager"]["value"], "26118915-6090-4610-87e4-49d8ca9f808d");
    assert_eq!(u["active"], false);
    // Suspended users are still returned by filters (Entra requires it).
    assert_eq!(scim.get("/Users?filter=externalId+eq+%22jyoung%22").await.body["totalResults"], 1);
    let res = scim.patch(&path, &patch_op(json!([{"op": "Replace", "path": "active", "value": "True"}]))).await;
    assert_eq!(res.body["active"], true);
    // With aadOptscim062020: lower-case ops and dotted keys in one path-less replace.
    let res = scim
        .patch(&path, &patch_op(json!([{"op": "replace", "value": {"name.givenName": "Given", "name.familyName": "Family", "active": false, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "HR"}}])))
        .await;
    res.expect(200);
    assert_eq!(res.body["name"]["givenName"], "Given");
    assert_eq!(res.body["name"]["familyName"], "Family");
    assert_eq!(res.body["active"], false);
    assert_eq!(res.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "HR");
    scim.delete(&path).await.expect(204);
}

#[tokio::test]
async fn entra_adds_a_work_email_that_does_not_exist_yet() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = scim.post("/Users", &json!({"userName": "noemail"})).await.id();
    let res = scim
        .patch(&format!("/Users/{id}"), &patch_op(json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "first@x.com"}])))
        .await;
    res.expect(200);
    assert_eq!(res.body["emails"], json!([{"type": "work", "value": "first@x.com"}]));
    let found = scim.get("/Users?filter=emails.value+eq+%22first%40x.com%22").await;
    assert_eq!(found.body["totalResults"], 1);
}

#[tokio::test]
async fn entra_groups_value_list_removal_removes_only_those_members() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let a = scim.create_user("a@x.com").await;
    let b = scim.create_user("b@x.com").await;
    let c = scim.create_user("c@x.com").await;
    let res = scim
        .post(
            "/Groups",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                    "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "Group1DisplayName", "meta": {"resourceType": "Group"}}),
        )
        .await;
    res.expect(201);
    let g = res.id();
    let path = format!("/Groups/{g}");
    let found = scim.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Group1DisplayName%22").await;
    assert_eq!(found.body["Resources"][0]["id"], g.as_str());
    scim.get(&format!("{path}?excludedAttributes=members")).await.expect(200);
    scim.patch(&path, &patch_op(json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}, {"$ref": null, "value": b}, {"$ref": null, "value": c}]}])))
        .await
        .expect(204);
    scim.patch(&path, &patch_op(json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": b}]}]))).await.expect(204);
    assert_eq!(members(&scim.get(&path).await), sorted(&[&a, &c]));
    // Entra re-adds existing members after a removal: harmless.
    scim.patch(&path, &patch_op(json!([{"op": "Add", "path": "members", "value": [{"value": a}, {"value": c}]}]))).await.expect(204);
    assert_eq!(members(&scim.get(&path).await), sorted(&[&a, &c]));
    // With the flag: filtered removal.
    scim.patch(&path, &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]))).await.expect(204);
    assert_eq!(members(&scim.get(&path).await), vec![c.clone()]);
    scim.patch(&path, &patch_op(json!([{"op": "Replace", "path": "displayName", "value": "Renamed"}]))).await.expect(204);
    assert_eq!(scim.get(&path).await.body["displayName"], "Renamed");
    // An unknown member id is the client's mistake: 400, never 500.
    scim.patch(&path, &patch_op(json!([{"op": "Add", "path": "members", "value": [{"value": "no-such-user"}]}])))
        .await
        .expect_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn jumpcloud_member_forms_and_filtered_add() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let a = scim.create_user("a@x.com").await;
    let b = scim.create_user("b@x.com").await;
    let g = scim.create_group("JC", &[]).await;
    let path = format!("/Groups/{g}");
    scim.patch(&path, &patch_op(json!([{"op": "add", "path": "members", "value": [{"value": a}]}]))).await.expect(204);
    scim.patch(&path, &patch_op(json!([{"op": "add", "path": format!("members[value eq \"{b}\"]")}]))).await.expect(204);
    assert_eq!(members(&scim.get(&path).await), sorted(&[&a, &b]));
    scim.patch(&path, &patch_op(json!([{"op": "remove", "path": "members", "value": [{"value": a}]}]))).await.expect(204);
    assert_eq!(members(&scim.get(&path).await), vec![b.clone()]);
    // Asking for a representation gets 200 with it.
    let res = scim
        .patch(&format!("{path}?attributes=displayName"), &patch_op(json!([{"op": "replace", "path": "displayName", "value": "JC2"}])))
        .await;
    res.expect(200);
    assert_eq!(res.body["displayName"], "JC2");
}

#[tokio::test]
async fn onelogin_scim_1_urns_single_email_object_string_active_and_null_id() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let body = json!({"schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"], "id": null,
                      "userName": "ol.user@x.com", "name": {"givenName": "One", "familyName": "Login"},
                      "emails": {"value": "ol.user@x.com", "type": "work", "primary": true}, "active": "true",
                      "urn:scim:schemas:extension:enterprise:1.0": {"department": "IT"}});
    let res = scim.send_raw(Method::POST, "/Users", "application/json", body.to_string().into_bytes()).await;
    res.expect(201);
    assert_eq!(res.body["active"], true);
    assert_eq!(res.body["emails"][0]["value"], "ol.user@x.com");
    assert_eq!(res.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "IT");
    let id = res.id();
    let put = json!({"schemas": ["urn:scim:schemas:core:2.0", "urn:scim:schemas:extension:enterprise:2.0"], "userName": "ol.user@x.com",
                     "name": {"givenName": "One", "familyName": "Login"}, "active": "false"});
    let res =
        scim.send_raw(Method::PUT, &format!("/Users/{id}?"), "application/scim+json; charset=utf-8", put.to_string().into_bytes()).await;
    res.expect(200);
    assert_eq!(res.body["active"], false);
}

#[tokio::test]
async fn concurrent_identical_creates_give_one_user_and_409s() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let body = json!({"userName": "retry@x.com", "active": true});
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let scim: Scim = scim.clone();
            let body = body.clone();
            tokio::spawn(async move { scim.post("/Users", &body).await })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        let res = t.await.unwrap();
        match res.status.as_u16() {
            201 => created += 1,
            409 => assert_eq!(res.body["scimType"], "uniqueness"),
            other => panic!("unexpected {other}: {}", res.text),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(scim.get("/Users").await.body["totalResults"], 1);
}
