use lanyard_testkit::{TestServer, json};
use reqwest::Method;

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax_and_creates_nothing() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    for body in [&b"{\"userName\": "[..], b"not json", b"", b"[1,2]", b"\"str\""] {
        let res = scim.send_raw(Method::POST, "/Users", "application/scim+json", body.to_vec()).await;
        res.expect_error(400, Some("invalidSyntax"));
    }
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn wrong_types_and_missing_required_attributes_are_400_invalid_value() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    for body in [
        json!({}),
        json!({"userName": ""}),
        json!({"userName": {"a": 1}}),
        json!({"userName": "x", "active": "maybe"}),
        json!({"userName": "x", "name": "not an object"}),
        json!({"userName": "x", "emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]}),
        json!({"userName": "x", "meta": {"created": "x"}, "emails": [{"value": true}]}),
    ] {
        let res = scim.post("/Users", &body).await;
        res.expect_error(400, Some("invalidValue"));
    }
    scim.post("/Groups", &json!({"members": []})).await.expect_error(400, Some("invalidValue"));
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn bodies_over_the_payload_limit_are_413() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let big = json!({"userName": "big", "title": "x".repeat(2 * 1024 * 1024)});
    let res = scim.post("/Users", &big).await;
    res.expect_error(413, None);
    assert_eq!(scim.get("/Users").await.body["totalResults"], 0);
}

#[tokio::test]
async fn unknown_paths_are_404_and_unsupported_methods_405_with_scim_bodies() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.get("/Nope").await.expect_error(404, None);
    scim.get("/Users/a/b").await.expect_error(404, None);
    scim.get("/Users/does-not-exist").await.expect_error(404, None);
    scim.send(Method::DELETE, "/Users", None, &[]).await.expect_error(405, None);
    scim.send(Method::PUT, "/Groups", Some(&json!({})), &[]).await.expect_error(405, None);
    scim.send(Method::POST, "/ServiceProviderConfig", Some(&json!({})), &[]).await.expect_error(405, None);
    scim.send(Method::GET, "/Users/.search", None, &[]).await.expect_error(405, None);
    let res = reqwest::get(format!("{}/nothing/here", s.url)).await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_user_id_is_matched_as_a_whole_whatever_it_holds() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = scim.post("/Users", &json!({"userName": "ann"})).await.expect(201).body["id"].as_str().unwrap().to_string();
    assert_eq!(scim.get(&format!("/Users/{id}")).await.expect(200).body["userName"], "ann");
    // A GET by id is an `id eq` lookup: what the id holds must stay one value.
    for crafted in ["x%22%20or%20id%20pr%20or%20id%20eq%20%22y", "x%5C%22%20or%20id%20pr%20or%20%22", "%22", "%5C", &"a".repeat(5000)] {
        scim.get(&format!("/Users/{crafted}")).await.expect_error(404, None);
    }
    let escaped = format!("/Users/{}", id.replace('-', "%2D"));
    assert_eq!(scim.get(&escaped).await.expect(200).body["id"], id.as_str());
}

#[tokio::test]
async fn bad_list_parameters_are_400() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.get("/Users?startIndex=abc").await.expect_error(400, Some("invalidValue"));
    scim.get("/Users?count=1.5").await.expect_error(400, Some("invalidValue"));
    scim.get("/Users?sortOrder=sideways").await.expect_error(400, Some("invalidValue"));
    scim.get("/Users?sortBy=nosuch").await.expect_error(400, Some("invalidValue"));
    scim.post("/Users/.search", &json!({"schemas": ["urn:wrong"]})).await.expect_error(400, Some("invalidSyntax"));
}
