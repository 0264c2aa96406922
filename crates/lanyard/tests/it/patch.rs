use lanyard_testkit::{Scim, TestServer, json, patch_op};

async fn user(scim: &Scim) -> String {
    let res = scim
        .post(
            "/Users",
            &json!({"userName": "pat@x.com", "title": "Dev", "name": {"givenName": "Pat", "familyName": "Doe"},
                    "emails": [{"value": "pat@x.com", "type": "work", "primary": true}],
                    "phoneNumbers": [{"value": "1", "type": "work"}, {"value": "2", "type": "mobile"}]}),
        )
        .await;
    res.expect(201);
    res.id()
}

#[tokio::test]
async fn add_replace_remove_with_and_without_paths() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = user(&scim).await;
    let path = format!("/Users/{id}");
    let res = scim
        .patch(
            &path,
            &patch_op(json!([
                {"op": "replace", "path": "name.givenName", "value": "Patricia"},
                {"op": "add", "path": "nickName", "value": "Trish"},
                {"op": "remove", "path": "title"},
                {"op": "remove", "path": "phoneNumbers[type eq \"mobile\"]"},
                {"op": "add", "value": {"displayName": "Patricia Doe", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops"}},
                {"op": "add", "path": "emails", "value": [{"value": "p@home.org", "type": "home", "primary": true}]}
            ])),
        )
        .await;
    res.expect(200);
    let u = &res.body;
    assert_eq!(u["name"]["givenName"], "Patricia");
    assert_eq!(u["name"]["familyName"], "Doe");
    assert_eq!(u["nickName"], "Trish");
    assert!(u.get("title").is_none());
    assert_eq!(u["phoneNumbers"], json!([{"value": "1", "type": "work"}]));
    assert_eq!(u["displayName"], "Patricia Doe");
    assert_eq!(u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "Ops");
    // The new primary email demotes the old one: at most one primary.
    let primaries = u["emails"].as_array().unwrap().iter().filter(|e| e["primary"] == true).count();
    assert_eq!(primaries, 1);
    assert_eq!(u["emails"].as_array().unwrap().len(), 2);
    // The stored state is what was answered.
    assert_eq!(scim.get(&path).await.body, res.body);
}

#[tokio::test]
async fn a_failing_operation_applies_none_of_the_request() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = user(&scim).await;
    let path = format!("/Users/{id}");
    let before = scim.get(&path).await.body;
    let res = scim
        .patch(
            &path,
            &patch_op(json!([{"op": "replace", "path": "title", "value": "Boss"}, {"op": "replace", "path": "nosuch", "value": 1}])),
        )
        .await;
    res.expect_error(400, Some("invalidPath"));
    assert_eq!(scim.get(&path).await.body, before);
    let res = scim.patch(&path, &patch_op(json!([{"op": "replace", "path": "title", "value": "Boss"}, {"op": "replace", "path": "userName", "value": {"not": "a string"}}]))).await;
    res.expect_error(400, Some("invalidValue"));
    assert_eq!(scim.get(&path).await.body, before);
}

#[tokio::test]
async fn read_only_targets_invalid_ops_and_bodies_are_refused() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = user(&scim).await;
    let path = format!("/Users/{id}");
    scim.patch(&path, &patch_op(json!([{"op": "replace", "path": "id", "value": "x"}]))).await.expect_error(400, Some("mutability"));
    scim.patch(&path, &patch_op(json!([{"op": "replace", "path": "meta.created", "value": "2000-01-01T00:00:00Z"}])))
        .await
        .expect_error(400, Some("mutability"));
    scim.patch(&path, &patch_op(json!([{"op": "jump", "path": "title", "value": "x"}]))).await.expect_error(400, Some("invalidSyntax"));
    scim.patch(&path, &patch_op(json!([{"op": "remove"}]))).await.expect_error(400, Some("noTarget"));
    scim.patch(&path, &patch_op(json!([]))).await.expect_error(400, Some("invalidSyntax"));
    scim.patch(&path, &json!({"schemas": ["urn:wrong"], "Operations": [{"op": "add", "path": "title", "value": "x"}]}))
        .await
        .expect_error(400, Some("invalidSyntax"));
    scim.patch(&path, &patch_op(json!([{"op": "add", "path": "title["}]))).await.expect_error(400, Some("invalidPath"));
}

#[tokio::test]
async fn renaming_onto_a_taken_user_name_is_409_and_changes_nothing() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.create_user("taken@x.com").await;
    let id = user(&scim).await;
    let path = format!("/Users/{id}");
    let res = scim.patch(&path, &patch_op(json!([{"op": "replace", "path": "userName", "value": "TAKEN@x.com"}]))).await;
    res.expect_error(409, Some("uniqueness"));
    assert_eq!(scim.get(&path).await.body["userName"], "pat@x.com");
}

#[tokio::test]
async fn patch_to_an_unknown_user_is_404() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.patch("/Users/nope", &patch_op(json!([{"op": "replace", "path": "active", "value": false}]))).await.expect_error(404, None);
}
