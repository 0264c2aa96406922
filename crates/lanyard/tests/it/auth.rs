use lanyard_testkit::{Scim, TestServer};
use reqwest::Method;

#[tokio::test]
async fn healthz_answers_200() {
    let s = TestServer::start().await;
    let res = reqwest::get(format!("{}/healthz", s.url)).await.unwrap();
    assert_eq!(res.status(), 200);
    let res = reqwest::get(format!("{}/readyz", s.url)).await.unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_valid_token_of_the_tenant_is_accepted() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    scim.get("/Users").await.expect(200);
}

#[tokio::test]
async fn missing_wrong_foreign_revoked_and_expired_tokens_get_the_same_401() {
    let s = TestServer::start().await;
    let acme = s.tenant("acme").await;
    let globex = s.tenant("globex").await;

    let cases = [
        acme.with_token(""),
        acme.with_token("lyd_0000000000000000000000000000000000000000000000000000000000000000"),
        acme.with_token(&globex.token),
        Scim::new(&format!("{}/scim/v2/no-such-tenant", s.url), &acme.token),
    ];
    let mut bodies = Vec::new();
    for client in cases {
        let res = client.get("/Users").await;
        res.expect_error(401, None);
        bodies.push(res.body.clone());
    }
    // Nothing distinguishes an unknown tenant from a bad token.
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));

    let created = s.app.create_token("acme", Some("short"), Some(1)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    acme.with_token(&created.token).get("/Users").await.expect_error(401, None);

    let revoked = s.app.create_token("acme", None, None).await.unwrap();
    acme.with_token(&revoked.token).get("/Users").await.expect(200);
    s.app.revoke_token("acme", &revoked.id).await.unwrap();
    acme.with_token(&revoked.token).get("/Users").await.expect_error(401, None);
    // The other token of the tenant keeps working: rotation without downtime.
    acme.get("/Users").await.expect(200);
}

#[tokio::test]
async fn bearer_scheme_is_case_insensitive_and_a_pasted_prefix_is_tolerated() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    // The last form: a header-auth field filled with the token alone.
    for header in [format!("bearer {}", scim.token), format!("Bearer Bearer {}", scim.token), scim.token.clone()] {
        let res = scim.with_token("").send(Method::GET, "/Users", None, &[("Authorization", &header)]).await;
        res.expect(200);
    }
    let basic = scim.with_token("").send(Method::GET, "/Users", None, &[("Authorization", &format!("Basic {}", scim.token))]).await;
    basic.expect_error(401, None);
}

#[tokio::test]
async fn discovery_and_unknown_paths_need_a_token_too() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let anon = scim.with_token("");
    for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes", "/Nope", "/Users/x"] {
        anon.get(path).await.expect_error(401, None);
    }
}
