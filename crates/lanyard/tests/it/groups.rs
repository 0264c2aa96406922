use lanyard_testkit::{TestServer, json, patch_op};

#[tokio::test]
async fn create_read_rename_and_delete_a_group_with_members() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let a = scim.create_user("a@x.com").await;
    let res =
        scim.post("/Groups", &json!({"displayName": "Eng", "externalId": "g-1", "members": [{"value": a, "display": "ignored"}]})).await;
    res.expect(201);
    let g = res.id();
    assert_eq!(res.body["members"][0]["value"], a.as_str());
    assert_eq!(res.body["members"][0]["display"], "a@x.com");
    assert_eq!(res.body["members"][0]["type"], "User");
    assert_eq!(res.body["members"][0]["$ref"], format!("{}/Users/{a}", scim.base));
    assert_eq!(res.body["meta"]["resourceType"], "Group");
    assert_eq!(res.header("location"), Some(format!("{}/Groups/{g}", scim.base).as_str()));

    // The user shows its group.
    let user = scim.get(&format!("/Users/{a}")).await;
    assert_eq!(user.body["groups"], json!([{"value": g, "$ref": format!("{}/Groups/{g}", scim.base), "display": "Eng", "type": "direct"}]));
    let listed = scim.get("/Users?filter=userName+eq+%22a%40x.com%22").await;
    assert_eq!(listed.body["Resources"][0]["groups"], user.body["groups"], "lists show groups too");
    let patched =
        scim.patch(&format!("/Users/{a}"), &lanyard_testkit::patch_op(json!([{"op": "replace", "path": "title", "value": "T"}]))).await;
    assert_eq!(patched.body["groups"], user.body["groups"], "a PATCH response shows the groups");
    let searched = scim.post("/.search", &json!({"filter": "userName eq \"a@x.com\""})).await;
    assert_eq!(searched.body["Resources"][0]["groups"], user.body["groups"]);

    scim.post("/Groups", &json!({"displayName": "ENG"})).await.expect_error(409, Some("uniqueness"));
    let res = scim.put(&format!("/Groups/{g}"), &json!({"displayName": "Engineering", "externalId": "g-1"})).await;
    res.expect(200);
    assert_eq!(res.body["displayName"], "Engineering");
    assert_eq!(res.body["members"][0]["value"], a.as_str(), "a PUT without members keeps them");
    let res = scim.put(&format!("/Groups/{g}"), &json!({"displayName": "Engineering", "members": []})).await;
    assert!(res.body.get("members").is_none(), "members: [] clears");

    scim.delete(&format!("/Groups/{g}")).await.expect(204);
    scim.get(&format!("/Groups/{g}")).await.expect_error(404, None);
    assert!(scim.get(&format!("/Users/{a}")).await.body.get("groups").is_none());
    // The name is free again.
    scim.create_group("Engineering", &[]).await;
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_its_groups() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let a = scim.create_user("a@x.com").await;
    let b = scim.create_user("b@x.com").await;
    let g = scim.create_group("G", &[&a, &b]).await;
    let before = scim.get(&format!("/Groups/{g}")).await;
    scim.delete(&format!("/Users/{a}")).await.expect(204);
    let got = scim.get(&format!("/Groups/{g}")).await;
    assert_ne!(got.header("etag"), before.header("etag"), "losing a member is a new version of the group");
    let ids: Vec<&str> = got.body["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
    assert_eq!(ids, [b.as_str()]);
}

#[tokio::test]
async fn nested_groups_are_members_too() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let inner = scim.create_group("Inner", &[]).await;
    let outer = scim.create_group("Outer", &[&inner]).await;
    let got = scim.get(&format!("/Groups/{outer}")).await;
    assert_eq!(got.body["members"][0]["type"], "Group");
    assert_eq!(got.body["members"][0]["display"], "Inner");
    let res =
        scim.patch(&format!("/Groups/{outer}"), &patch_op(json!([{"op": "add", "path": "members", "value": [{"value": outer}]}]))).await;
    res.expect_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn a_large_group_takes_member_patches_without_rewriting_and_lists_without_members() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let mut ids = Vec::new();
    for i in 0..300 {
        ids.push(scim.create_user(&format!("m{i}@x.com")).await);
    }
    let g = scim.create_group("Big", &[]).await;
    let value: Vec<_> = ids.iter().map(|id| json!({"value": id})).collect();
    scim.patch(&format!("/Groups/{g}"), &patch_op(json!([{"op": "add", "path": "members", "value": value}]))).await.expect(204);
    let before = scim.get(&format!("/Groups/{g}?excludedAttributes=members")).await;
    assert!(before.body.get("members").is_none());
    scim.patch(&format!("/Groups/{g}"), &patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[7])}])))
        .await
        .expect(204);
    let after = scim.get(&format!("/Groups/{g}")).await;
    assert_eq!(after.body["members"].as_array().unwrap().len(), 299);
    assert_ne!(after.header("etag"), before.header("etag"), "a member change is a new version");
    let list = scim.get("/Groups?excludedAttributes=members").await;
    assert!(list.body["Resources"][0].get("members").is_none());
    let list = scim.get("/Groups?attributes=displayName").await;
    assert_eq!(list.body["Resources"][0].as_object().unwrap().keys().collect::<Vec<_>>(), ["schemas", "id", "displayName"]);
}
