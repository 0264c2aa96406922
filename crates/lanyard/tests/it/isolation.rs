use lanyard_testkit::{TestServer, json, patch_op};

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
