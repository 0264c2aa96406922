use lanyard_testkit::{TestServer, json};

#[tokio::test]
async fn service_provider_config_advertises_what_works() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let res = scim.get("/ServiceProviderConfig").await;
    res.expect(200);
    let c = &res.body;
    assert_eq!(c["schemas"][0], "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig");
    assert_eq!(c["patch"]["supported"], true);
    assert_eq!(c["bulk"]["supported"], false);
    assert_eq!(c["bulk"]["maxPayloadSize"], 1024 * 1024);
    assert_eq!(c["filter"]["supported"], true);
    assert!(c["filter"]["maxResults"].as_i64().unwrap() > 0);
    assert_eq!(c["changePassword"]["supported"], false);
    assert_eq!(c["sort"]["supported"], true);
    assert_eq!(c["etag"]["supported"], true);
    assert_eq!(c["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(c["meta"]["location"], format!("{}/ServiceProviderConfig", scim.base));
}

#[tokio::test]
async fn resource_types_and_schemas_are_listed_and_addressable() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let rts = scim.get("/ResourceTypes").await;
    rts.expect(200);
    assert_eq!(rts.body["totalResults"], 2);
    let user = scim.get("/ResourceTypes/User").await;
    assert_eq!(user.body["endpoint"], "/Users");
    assert_eq!(user.body["schema"], "urn:ietf:params:scim:schemas:core:2.0:User");
    assert_eq!(
        user.body["schemaExtensions"][0],
        json!({"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false})
    );
    scim.get("/ResourceTypes/Nope").await.expect_error(404, None);

    let schemas = scim.get("/Schemas").await;
    let ids: Vec<&str> = schemas.body["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    for id in [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:lanyard:params:scim:schemas:extension:seat:2.0:User",
    ] {
        assert!(ids.contains(&id), "{id} missing");
    }
    let user = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").await;
    user.expect(200);
    let attrs = user.body["attributes"].as_array().unwrap();
    let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
    assert_eq!(user_name["uniqueness"], "server");
    assert_eq!(user_name["required"], true);
    assert_eq!(user_name["caseExact"], false);
    let password = attrs.iter().find(|a| a["name"] == "password").unwrap();
    assert_eq!(password["mutability"], "writeOnly");
    assert_eq!(password["returned"], "never");
    let groups = attrs.iter().find(|a| a["name"] == "groups").unwrap();
    assert_eq!(groups["mutability"], "readOnly");
    let seat = scim.get("/Schemas/urn:lanyard:params:scim:schemas:extension:seat:2.0:User").await;
    assert_eq!(seat.body["attributes"][0]["mutability"], "readOnly");
    scim.get("/Schemas/urn:nope").await.expect_error(404, None);
}
