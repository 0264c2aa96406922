// The admin pages in a real browser, in the order an operator and a
// customer's admin use them (the LambdaTest and Lens ID guides).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, scim, screenshot, startIdp, startLanyard } from "./lanyard.mjs";

const PASSWORD = "correct horse battery staple";
let lanyard, browser, context, page, token, users;

before(async () => {
  lanyard = await startLanyard();
  browser = await launchBrowser();
  context = await browser.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: lanyard.url });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  lanyard?.stop();
});

test("first-run setup creates the operator", async () => {
  await page.goto(lanyard.setupUrl);
  await screenshot(page, "01-setup");
  await page.getByLabel("Email").fill("op@example.com");
  await page.getByLabel("Password", { exact: false }).first().fill(PASSWORD);
  await page.getByLabel("Password again").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("**/admin/tenants");
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Tenants");
  const again = await (await browser.newPage()).goto(lanyard.setupUrl);
  assert.equal(again.status(), 410, "the setup link works once");
});

test("sign out and sign in again", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL("**/admin/login");
  await page.getByLabel("Email").fill("op@example.com");
  await page.getByLabel("Password").fill("wrong password!!");
  await page.getByRole("button", { name: "Sign in" }).click();
  assert.match(await page.getByRole("alert").textContent(), /Wrong email or password/);
  await screenshot(page, "02-sign-in");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/admin/tenants");
});

test("the operator creates a tenant with two seats", async () => {
  await page.getByLabel("Slug").fill("acme");
  await page.getByLabel("Name").fill("Acme Inc");
  await page.getByLabel("Seats").fill("2");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.waitForURL("**/admin/t/acme/auth");
  assert.equal(await page.locator("#scim-base-url").textContent(), `${lanyard.url}/scim/v2/acme`);
  await screenshot(page, "03-authentication-and-sso");
});

test("a new bearer token is shown once and copied", async () => {
  await page.getByLabel("Label").fill("jumpcloud");
  await page.getByRole("button", { name: "Create token" }).click();
  token = (await page.locator("#new-token-value").textContent()).trim();
  assert.match(token, /^lyd_[0-9a-f]{64}$/);
  await page.getByRole("button", { name: "Copy bearer token" }).click();
  await page.locator("#new-token-value-status", { hasText: "Copied" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
  await screenshot(page, "04-new-token");
  // A reload would send the form again (a second token); open the page anew.
  await page.goto(`${lanyard.url}/admin/t/acme/auth`);
  assert.equal(await page.locator("#new-token-value").count(), 0, "shown only once");
  assert.ok(!(await page.content()).includes(token));
});

test("users provisioned over SCIM appear with their seats", async () => {
  const client = scim(`${lanyard.url}/scim/v2/acme`, token);
  users = {};
  for (const name of ["ann@example.com", "bob@example.com", "carol@example.com"]) {
    const res = await client("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: name, emails: [{ value: name, primary: true }], active: true });
    assert.equal(res.status, 201);
    users[name] = res.body.id;
  }
  await page.getByRole("link", { name: "Users" }).click();
  await page.waitForURL("**/admin/t/acme/users");
  for (const [name, seat] of [["ann@example.com", "assigned"], ["bob@example.com", "assigned"], ["carol@example.com", "pending"]]) {
    assert.equal(await page.locator(`tr[data-user="${name}"] td.seat`).textContent(), seat);
  }
  await screenshot(page, "05-users");
  await page.getByRole("link", { name: "Seats" }).click();
  assert.equal(await page.locator("#seats-assigned").textContent(), "2");
  assert.equal(await page.locator("#seats-pending").textContent(), "1");
  assert.match(await page.getByRole("table").textContent(), /carol@example\.com/);
  await screenshot(page, "06-seats");
});

test("suspending a user moves the seat to the pending user", async () => {
  const client = scim(`${lanyard.url}/scim/v2/acme`, token);
  const res = await client("PATCH", `/Users/${users["ann@example.com"]}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [{ op: "replace", path: "active", value: false }],
  });
  assert.equal(res.status, 200);
  await page.reload();
  assert.equal(await page.locator("#seats-pending").textContent(), "0");
  assert.match(await page.getByRole("table").textContent(), /Nobody is waiting/);
  await page.goto(`${lanyard.url}/admin/t/acme/users/${users["carol@example.com"]}`);
  assert.equal(await page.locator("#seat").textContent(), "assigned");
  assert.match(await page.getByRole("table").textContent(), /seat\.assigned/);
  await screenshot(page, "07-user-after-suspension");
  await page.goto(`${lanyard.url}/admin/t/acme/users?seat=none`);
  assert.equal(await page.locator('tr[data-user="ann@example.com"] td.seat').textContent(), "none");
});

test("the provisioning requests are listed to debug a Test Connection", async () => {
  for (let i = 0; i < 50; i++) {
    await page.goto(`${lanyard.url}/admin/t/acme/auth`);
    if ((await page.locator("#requests + table").textContent()).includes("PATCH")) break;
    await page.waitForTimeout(200);
  }
  const table = await page.locator("#requests + table").textContent();
  assert.match(table, /POST\s*\/scim\/v2\/acme\/Users\s*201/);
  assert.match(table, /PATCH/);
  await screenshot(page, "08-provisioning-requests");
  await page.goto(`${lanyard.url}/admin/t/acme/audit`);
  await screenshot(page, "09-audit");
});

test("a tenant admin cannot reach another tenant", async () => {
  await page.goto(`${lanyard.url}/admin/tenants`);
  await page.getByLabel("Slug").fill("globex");
  await page.getByRole("button", { name: "Create tenant" }).click();
  await page.waitForURL("**/admin/t/globex/auth");
  lanyard.cli(["admin", "create", "admin@globex.example", "--tenant", "globex", "--password-stdin"], `${PASSWORD}\n`);
  const other = await browser.newContext();
  const p = await other.newPage();
  await p.goto(`${lanyard.url}/admin/login`);
  await p.getByLabel("Email").fill("admin@globex.example");
  await p.getByLabel("Password").fill(PASSWORD);
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.waitForURL("**/admin/t/globex/auth");
  assert.equal(await p.getByRole("link", { name: "Tenants" }).count(), 0);
  for (const path of ["/admin/t/acme/users", "/admin/t/acme/auth", `/admin/t/acme/users/${users["bob@example.com"]}`]) {
    const res = await p.goto(`${lanyard.url}${path}`);
    assert.equal(res.status(), 404, path);
    assert.ok(!(await p.content()).includes("bob@example.com"));
  }
  await screenshot(p, "10-other-tenant-not-found");
  assert.equal((await p.goto(`${lanyard.url}/admin/tenants`)).status(), 403);
  await other.close();
});

test("the operator adds an administrator, an API key and a webhook endpoint", async () => {
  await page.goto(`${lanyard.url}/admin/tenants`);
  await page.getByRole("link", { name: "Access" }).click();
  await page.waitForURL("**/admin/accounts");
  await page.getByLabel("Email").fill("ops2@example.com");
  await page.getByLabel("Role").selectOption({ label: "Admin of acme" });
  await page.getByLabel("First password").fill(PASSWORD);
  await page.getByRole("button", { name: "Add administrator" }).click();
  await page.waitForURL("**/admin/accounts");
  assert.match(await page.content(), /ops2@example\.com<\/td><td>admin of acme/);
  await page.getByLabel("Label").fill("billing");
  await page.getByRole("button", { name: "Create API key" }).click();
  const key = (await page.locator("#new-api-key-value").textContent()).trim();
  assert.match(key, /^lya_/);
  await screenshot(page, "15-access");
  const api = await fetch(`${lanyard.url}/api/v1/tenants`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(api.status, 200, "the new key works");

  await page.getByRole("link", { name: "Webhooks" }).click();
  await page.getByLabel("URL").fill("http://127.0.0.1:9/hook");
  await page.getByLabel("user.suspended").check();
  await page.getByRole("button", { name: "Add endpoint" }).click();
  assert.match((await page.locator("#new-webhook-secret").textContent()).trim(), /^whsec_/);
  await screenshot(page, "16-webhooks");
  await page.getByRole("link", { name: "http://127.0.0.1:9/hook" }).click();
  await page.getByRole("button", { name: "Pause deliveries" }).click();
  assert.match(await page.locator("#webhook-state").textContent(), /paused/);
  await screenshot(page, "17-webhook");
});

test("the SSO wizard connects the test IdP and signs a user in", async (t) => {
  const start = await page.goto(`${lanyard.url}/admin/t/acme/sso/new`);
  if (start.status() === 501) {
    t.skip("this lanyard build has no SAML (build with --features saml)");
    return;
  }
  const idp = await startIdp();
  if (!idp) {
    t.skip("the test IdP's Python (pysaml2) is missing");
    return;
  }
  try {
    await page.goto(`${lanyard.url}/admin/t/acme/auth`);
    await page.getByRole("link", { name: "Set up SSO" }).click();
    await page.getByLabel("Connection name").fill("JumpCloud");
    await page.getByLabel("JumpCloud").check();
    await screenshot(page, "11-sso-name-and-idp");
    await page.getByRole("button", { name: "Add new connection" }).click();
    const entityId = (await page.locator("#sp-entity-id").textContent()).trim();
    const acs = (await page.locator("#acs-url").textContent()).trim();
    assert.match(entityId, new RegExp(`^${lanyard.url}/sso/saml/[0-9a-f-]{36}/metadata$`));
    assert.equal(acs, entityId.replace(/metadata$/, "acs"));
    assert.match(await page.locator("#name-id-format").textContent(), /emailAddress/);
    await screenshot(page, "12-sso-values-to-copy");
    await page.getByLabel("IdP metadata URL").fill(`${idp.url}/metadata`);
    await page.getByLabel("SSO domains").fill("example.com");
    await page.getByLabel("Accept sign-ins started from the identity provider's portal").check();
    await page.getByLabel("Groups").fill("memberOf");
    await page.getByRole("button", { name: "Create connection" }).click();
    await page.getByRole("link", { name: "Test sign-in" }).waitFor();
    const settings = await page.content();
    assert.match(settings, /Sign-in from the IdP's portal<\/dt><dd>accepted/);
    assert.match(settings, /memberOf → groups/);
    assert.match(settings, /off: only users provisioned over SCIM sign in/);
    assert.equal((await page.locator("#sp-entity-id").textContent()).trim(), entityId, "the values shown before creation stay");
    await screenshot(page, "13-sso-connection");
    await page.getByRole("link", { name: "Test sign-in" }).click();
    await page.waitForURL(`${idp.url}/sso?**`);
    await page.getByLabel("Email").fill("carol@example.com");
    await page.getByRole("button", { name: "Sign in at the IdP" }).click();
    await page.waitForURL("**/sso/signed-in**");
    assert.match(await page.content(), /carol@example\.com/);
    await screenshot(page, "14-sso-signed-in");
  } finally {
    idp.stop();
  }
});
