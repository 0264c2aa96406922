//! A build without the `saml` feature says so instead of failing obscurely.

use std::process::Command;

use lanyard_testkit::TestServer;

#[tokio::test]
async fn sso_pages_and_commands_explain_the_missing_feature() {
    let server = TestServer::start().await;
    for path in ["/sso/login", "/sso/me", "/sso/saml/x/acs"] {
        let res = reqwest::get(format!("{}{path}", server.url)).await.unwrap();
        assert_eq!(res.status().as_u16(), 501, "{path}");
        assert!(res.text().await.unwrap().contains("--features saml"), "{path}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_lanyard"))
        .args(["--database", &server.db.url, "sso", "list", "default"])
        .env_remove("LANYARD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--features saml"));
}
