use lanyard_testkit::{TestServer, json};
use reqwest::Method;

fn jensen() -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "ext-1",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "active": true,
        "password": "t1meMa$heen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
        "phoneNumbers": [{"value": "555-555-8377", "type": "work"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}},
        "favouriteColour": "blue"
    })
}

#[tokio::test]
async fn create_returns_201_with_the_full_resource_location_and_etag() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let res = scim.post("/Users", &jensen()).await;
    res.expect(201);
    let u = &res.body;
    let id = u["id"].as_str().expect("string id");
    assert!(!id.is_empty());
    assert_eq!(u["userName"], "bjensen@example.com");
    assert_eq!(u["externalId"], "ext-1");
    assert_eq!(u["name"]["givenName"], "Barbara");
    assert_eq!(u["emails"][1]["value"], "babs@jensen.org");
    assert_eq!(u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"], "701984");
    assert_eq!(u["active"], true);
    assert!(u.get("password").is_none(), "password is write-only");
    assert!(u.get("favouriteColour").is_none(), "unknown attributes are ignored");
    assert_eq!(u["meta"]["resourceType"], "User");
    let location = format!("{}/Users/{id}", scim.base);
    assert_eq!(u["meta"]["location"], location);
    assert_eq!(res.header("location"), Some(location.as_str()));
    assert_eq!(res.header("etag"), u["meta"]["version"].as_str());
    assert!(u["meta"]["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(u["meta"]["created"], u["meta"]["lastModified"]);
    assert!(res.header("content-type").unwrap().starts_with("application/scim+json"));
    let schemas = u["schemas"].as_array().unwrap();
    assert!(schemas.contains(&json!("urn:ietf:params:scim:schemas:core:2.0:User")));
    assert!(schemas.contains(&json!("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")));

    let got = scim.get(&format!("/Users/{id}")).await;
    got.expect(200);
    assert_eq!(got.body, res.body);
    assert_eq!(got.header("etag"), res.header("etag"));
}

#[tokio::test]
async fn user_name_is_unique_per_tenant_case_insensitively() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.create_user("Dup@Example.com").await;
    let res = scim.post("/Users", &json!({"userName": "dup@example.COM"})).await;
    res.expect_error(409, Some("uniqueness"));
    let list = scim.get("/Users").await;
    assert_eq!(list.body["totalResults"], 1, "the refused create changed nothing");
    // Another tenant may use the same userName.
    s.tenant("globex").await.create_user("dup@example.com").await;
}

#[tokio::test]
async fn delete_removes_the_user_and_frees_the_user_name() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let id = scim.create_user("gone@example.com").await;
    scim.delete(&format!("/Users/{id}")).await.expect(204);
    scim.get(&format!("/Users/{id}")).await.expect_error(404, None);
    scim.delete(&format!("/Users/{id}")).await.expect_error(404, None);
    let again = scim.create_user("gone@example.com").await;
    assert_ne!(again, id);
}

#[tokio::test]
async fn put_replaces_ignores_read_only_attributes_and_bumps_the_version() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let created = scim.post("/Users", &jensen()).await;
    let id = created.id();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "not-the-id",
        "meta": {"created": "2000-01-01T00:00:00Z"},
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barb"},
        "groups": [{"value": "x"}],
    });
    let res = scim.put(&format!("/Users/{id}"), &body).await;
    res.expect(200);
    assert_eq!(res.body["id"], id.as_str());
    assert_eq!(res.body["name"], json!({"givenName": "Barb"}));
    assert!(res.body.get("title").is_none(), "PUT replaces: attributes left out are cleared");
    assert!(res.body.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").is_none());
    assert!(res.body.get("groups").is_none());
    assert_eq!(res.body["meta"]["created"], created.body["meta"]["created"]);
    assert_eq!(res.body["active"], true, "a PUT without `active` keeps it");
    assert_ne!(res.header("etag"), created.header("etag"));
}

#[tokio::test]
async fn if_match_and_if_none_match_follow_the_version() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let created = scim.post("/Users", &json!({"userName": "etag@example.com"})).await;
    let id = created.id();
    let etag = created.header("etag").unwrap().to_string();
    let path = format!("/Users/{id}");
    let patch = lanyard_testkit::patch_op(json!([{"op": "replace", "path": "title", "value": "A"}]));

    scim.send(Method::PATCH, &path, Some(&patch), &[("If-Match", "W/\"999\"")]).await.expect_error(412, None);
    let ok = scim.send(Method::PATCH, &path, Some(&patch), &[("If-Match", &etag)]).await;
    ok.expect(200);
    // The old version no longer matches.
    scim.send(Method::PUT, &path, Some(&json!({"userName": "etag@example.com"})), &[("If-Match", &etag)]).await.expect_error(412, None);
    scim.send(Method::DELETE, &path, None, &[("If-Match", &etag)]).await.expect_error(412, None);

    let new_etag = ok.header("etag").unwrap().to_string();
    let not_modified = scim.send(Method::GET, &path, None, &[("If-None-Match", &new_etag)]).await;
    assert_eq!(not_modified.status, 304);
    scim.send(Method::GET, &path, None, &[("If-None-Match", &etag)]).await.expect(200);
    scim.send(Method::DELETE, &path, None, &[("If-Match", "*")]).await.expect(204);
}

#[tokio::test]
async fn attributes_and_excluded_attributes_apply_to_reads_and_writes() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let res = scim.post("/Users?attributes=userName,name.givenName", &jensen()).await;
    res.expect(201);
    let keys: Vec<&String> = res.body.as_object().unwrap().keys().collect();
    assert!(keys.iter().all(|k| ["schemas", "id", "userName", "name"].contains(&k.as_str())), "{keys:?}");
    assert_eq!(res.body["name"], json!({"givenName": "Barbara"}));
    let id = res.id();

    let res = scim.get(&format!("/Users/{id}?excludedAttributes=emails,meta,name")).await;
    assert!(res.body.get("emails").is_none() && res.body.get("meta").is_none() && res.body.get("name").is_none());
    assert_eq!(res.body["id"], id.as_str(), "id is always returned");
    assert_eq!(res.body["userName"], "bjensen@example.com");

    let list = scim.get("/Users?attributes=emails.value").await;
    let u = &list.body["Resources"][0];
    assert_eq!(u["emails"], json!([{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}]));
    assert!(u.get("userName").is_none());
}

#[tokio::test]
async fn lists_page_with_start_index_and_count_in_a_stable_order() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(scim.create_user(&format!("user{i:02}@example.com")).await);
    }
    let page = scim.get("/Users?startIndex=11&count=10").await;
    page.expect(200);
    assert_eq!(page.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:ListResponse");
    assert_eq!(page.body["totalResults"], 25);
    assert_eq!(page.body["startIndex"], 11);
    assert_eq!(page.body["itemsPerPage"], 10);
    let got: Vec<&str> = page.body["Resources"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(got, ids[10..20].iter().map(String::as_str).collect::<Vec<_>>());

    let last = scim.get("/Users?startIndex=21&count=10").await;
    assert_eq!(last.body["itemsPerPage"], 5);
    let beyond = scim.get("/Users?startIndex=100").await;
    assert_eq!(beyond.body["Resources"], json!([]));
    assert_eq!(beyond.body["totalResults"], 25);
    let zero = scim.get("/Users?count=0").await;
    assert_eq!(zero.body["itemsPerPage"], 0);
    assert_eq!(zero.body["totalResults"], 25);
    let clamp = scim.get("/Users?startIndex=0&count=-5").await;
    assert_eq!(clamp.body["startIndex"], 1);
    assert_eq!(clamp.body["itemsPerPage"], 0);

    let sorted = scim.get("/Users?sortBy=userName&sortOrder=descending&count=3").await;
    let names: Vec<&str> = sorted.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap()).collect();
    assert_eq!(names, ["user24@example.com", "user23@example.com", "user22@example.com"]);
}

#[tokio::test]
async fn the_page_size_is_capped_at_the_advertised_maximum() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let spc = scim.get("/ServiceProviderConfig").await;
    let max = spc.body["filter"]["maxResults"].as_i64().unwrap();
    for i in 0..3 {
        scim.create_user(&format!("u{i}@x.com")).await;
    }
    let res = scim.get(&format!("/Users?count={}", max + 500)).await;
    res.expect(200);
    assert_eq!(res.body["itemsPerPage"], 3);
}

#[tokio::test]
async fn search_endpoints_take_a_search_request_body() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.create_user("a@x.com").await;
    scim.create_user("b@x.com").await;
    scim.create_group("Team", &[]).await;
    let req = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"b@x.com\"", "attributes": ["userName"], "startIndex": 1, "count": 10});
    let res = scim.post("/Users/.search", &req).await;
    res.expect(200);
    assert_eq!(res.body["totalResults"], 1);
    assert_eq!(res.body["Resources"][0]["userName"], "b@x.com");

    let all = scim.post("/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]})).await;
    all.expect(200);
    assert_eq!(all.body["totalResults"], 3);
    let types: Vec<&str> = all.body["Resources"].as_array().unwrap().iter().map(|r| r["meta"]["resourceType"].as_str().unwrap()).collect();
    assert_eq!(types, ["User", "User", "Group"]);

    let groups = scim.post("/Groups/.search", &json!({"filter": "displayName eq \"team\""})).await;
    assert_eq!(groups.body["totalResults"], 1);
}
