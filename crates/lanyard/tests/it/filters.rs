use lanyard_testkit::{Scim, TestServer, json};

async fn fixture(s: &TestServer) -> Scim {
    let scim = s.tenant("acme").await;
    let users = [
        json!({"userName": "alice@work.com", "externalId": "E-1", "displayName": "Alice", "title": "Engineer", "active": true,
               "name": {"givenName": "Alice", "familyName": "Smith"},
               "emails": [{"value": "alice@work.com", "type": "work", "primary": true}, {"value": "alice@home.org", "type": "home"}],
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "employeeNumber": "100"}}),
        json!({"userName": "bob@work.com", "externalId": "e-1", "displayName": "Bob", "title": "Manager", "active": false,
               "name": {"givenName": "Bob", "familyName": "Jones"},
               "emails": [{"value": "bob@work.com", "type": "work"}],
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "employeeNumber": "200"}}),
        json!({"userName": "carol@other.net", "displayName": "Carol", "active": true,
               "name": {"givenName": "Carol", "familyName": "Smith"},
               "emails": [{"value": "carol@home.org", "type": "home"}]}),
    ];
    for u in users {
        scim.post("/Users", &u).await.expect(201);
    }
    scim
}

async fn names(scim: &Scim, filter: &str) -> Vec<String> {
    let q: String = url_encode(filter);
    let res = scim.get(&format!("/Users?filter={q}")).await;
    res.expect(200);
    let mut out: Vec<String> = res.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap().split('@').next().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn every_operator_logical_form_and_value_path_filters_correctly() {
    let s = TestServer::start().await;
    let scim = fixture(&s).await;
    let cases: &[(&str, &[&str])] = &[
        (r#"userName eq "ALICE@work.com""#, &["alice"]),
        (r#"USERNAME Eq "bob@work.com""#, &["bob"]),
        (r#"userName ne "alice@work.com""#, &["bob", "carol"]),
        (r#"userName co "@WORK""#, &["alice", "bob"]),
        (r#"userName sw "car""#, &["carol"]),
        (r#"userName ew ".net""#, &["carol"]),
        (r#"externalId eq "E-1""#, &["alice"]),
        (r#"externalId eq "e-1""#, &["bob"]),
        (r#"externalId pr"#, &["alice", "bob"]),
        (r#"not (externalId pr)"#, &["carol"]),
        (r#"title pr"#, &["alice", "bob"]),
        (r#"title eq "engineer""#, &["alice"]),
        (r#"title ne "Engineer""#, &["bob", "carol"]),
        (r#"active eq true"#, &["alice", "carol"]),
        (r#"active eq false"#, &["bob"]),
        (r#"name.familyName eq "smith""#, &["alice", "carol"]),
        (r#"name.givenName gt "Alice""#, &["bob", "carol"]),
        (r#"name.givenName le "Bob""#, &["alice", "bob"]),
        (r#"emails.value eq "ALICE@home.org""#, &["alice"]),
        (r#"emails co "home.org""#, &["alice", "carol"]),
        (r#"emails[type eq "work" and value co "alice"]"#, &["alice"]),
        (r#"emails[type eq "home" and value co "bob"]"#, &[]),
        (r#"emails.type eq "home" and emails.value co "alice@work""#, &["alice"]),
        (r#"emails[type eq "work"]"#, &["alice", "bob"]),
        (r#"emails[primary eq true]"#, &["alice"]),
        (r#"emails[not (type eq "work")]"#, &["alice", "carol"]),
        (r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales""#, &["bob"]),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ALI""#, &["alice"]),
        (r#"title eq "Manager" or displayName eq "carol""#, &["bob", "carol"]),
        (r#"(title eq "Manager" or displayName eq "Carol") and active eq true"#, &["carol"]),
        (r#"not (active eq true) or userName eq "alice@work.com""#, &["alice", "bob"]),
        (r#"meta.created gt "2000-01-01T00:00:00Z""#, &["alice", "bob", "carol"]),
        (r#"meta.lastModified lt "2000-01-01T00:00:00Z""#, &[]),
        (r#"title eq null"#, &["carol"]),
        (r#"urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status eq "assigned""#, &["alice", "carol"]),
        (r#"urn:lanyard:params:scim:schemas:extension:seat:2.0:User:seat.status eq "none""#, &["bob"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(names(&scim, filter).await, *expected, "filter: {filter}");
    }
}

#[tokio::test]
async fn filters_on_groups_by_display_name_and_members() {
    let s = TestServer::start().await;
    let scim = s.tenant("acme").await;
    let alice = scim.create_user("alice@x.com").await;
    let bob = scim.create_user("bob@x.com").await;
    let g1 = scim.create_group("Engineering", &[&alice]).await;
    scim.create_group("Sales", &[&bob]).await;
    let res = scim.get("/Groups?filter=displayName+eq+%22engineering%22&excludedAttributes=members").await;
    assert_eq!(res.body["totalResults"], 1);
    assert_eq!(res.body["Resources"][0]["id"], g1.as_str());
    assert!(res.body["Resources"][0].get("members").is_none());
    // Entra's membership check.
    let f = url_encode(&format!("id eq \"{g1}\" and members eq \"{alice}\""));
    assert_eq!(scim.get(&format!("/Groups?filter={f}")).await.body["totalResults"], 1);
    let f = url_encode(&format!("id eq \"{g1}\" and members eq \"{bob}\""));
    assert_eq!(scim.get(&format!("/Groups?filter={f}")).await.body["totalResults"], 0);
    let f = url_encode(&format!("groups.value eq \"{g1}\""));
    let users = scim.get(&format!("/Users?filter={f}")).await;
    assert_eq!(users.body["totalResults"], 1);
    assert_eq!(users.body["Resources"][0]["id"], alice.as_str());
}

/// Lookups of one shape reuse its translation (remembered per thread):
/// each must still find what its own value names.
#[tokio::test]
async fn lookups_of_one_shape_each_find_their_own_value() {
    let s = TestServer::start().await;
    let scim = fixture(&s).await;
    for _ in 0..3 {
        assert_eq!(names(&scim, r#"userName eq "alice@work.com""#).await, ["alice"]);
        assert_eq!(names(&scim, r#"userName eq "BOB@work.com""#).await, ["bob"]);
        assert!(names(&scim, r#"userName eq "nobody@work.com""#).await.is_empty());
        assert_eq!(names(&scim, r#"externalId eq "E-1""#).await, ["alice"]);
        assert_eq!(names(&scim, r#"externalId eq "e-1""#).await, ["bob"]);
        assert_eq!(names(&scim, r#"emails[type eq "home" and value eq "Carol@home.org"]"#).await, ["carol"]);
        assert_eq!(names(&scim, r#"emails[type eq "HOME" and value eq "alice@home.org"]"#).await, ["alice"]);
        assert_eq!(names(&scim, r#"userName sw "car""#).await, ["carol"]);
        assert_eq!(names(&scim, r#"userName sw "b_b""#).await, Vec::<String>::new(), "_ is no wildcard");
    }
    // PostgreSQL text cannot hold U+0000: its store refuses such a value,
    // whether or not the shape was translated before.
    let res = scim.get(&format!("/Users?filter={}", url_encode(r#"userName eq "a\u0000b""#))).await;
    if lanyard_testkit::database::postgres_selected() {
        res.expect_error(400, Some("invalidFilter"));
    } else {
        res.expect(200);
        assert_eq!(res.body["totalResults"], 0);
    }
}

#[tokio::test]
async fn bad_filters_are_400_invalid_filter() {
    let s = TestServer::start().await;
    let scim = fixture(&s).await;
    for filter in [
        "userName eq",
        "userName xx \"a\"",
        "nosuchattr eq \"a\"",
        "(userName eq \"a\"",
        "password eq \"secret\"",
        "active gt true",
        "meta.created gt \"yesterday\"",
        "emails[type eq \"work\"",
        "a.b.c eq 1",
    ] {
        let res = scim.get(&format!("/Users?filter={}", url_encode(filter))).await;
        res.expect_error(400, Some("invalidFilter"));
    }
    let deep = format!("{}userName pr{}", "(".repeat(200), ")".repeat(200));
    scim.get(&format!("/Users?filter={}", url_encode(&deep))).await.expect_error(400, Some("invalidFilter"));
    let long = format!("userName eq \"{}\"", "a".repeat(10_000));
    scim.get(&format!("/Users?filter={}", url_encode(&long))).await.expect_error(400, Some("invalidFilter"));
}
