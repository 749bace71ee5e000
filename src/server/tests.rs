//! End-to-end tests: spawn the server on 127.0.0.1:0 and speak raw HTTP/1.1 to it; one test per
//! fault family shows each fault changes observable behaviour versus the correct server.

use super::*;
use crate::core::scim::{ENTERPRISE_USER_SCHEMA as ENT, PATCH_OP_SCHEMA};
use serde_json::{json, Value};
use std::io::{Read, Write};

const TOKEN: &str = "s3cret";

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_response(raw: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_string(),
    }
}

struct Api {
    server: RunningServer,
}

/// `Entra`-style query encoding: form encoding, space as `+`, `+` as `%2B`.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Api {
    async fn start(faults: &[Fault]) -> Api {
        let mut cfg = ServerConfig::new(TOKEN);
        cfg.faults = faults.iter().copied().collect();
        Self::with_config(cfg).await
    }

    async fn with_config(cfg: ServerConfig) -> Api {
        let server = spawn(cfg, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("spawn");
        Api { server }
    }

    async fn send(&self, method: &str, rel: &str, auth: Option<&str>, body: Option<&str>) -> Resp {
        let url = self.server.base_url().join(rel).expect("join");
        let host = format!(
            "{}:{}",
            url.host_str().unwrap_or("127.0.0.1"),
            url.port().unwrap_or(80)
        );
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let mut req =
            format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        if let Some(a) = auth {
            req.push_str(&format!("Authorization: {a}\r\n"));
        }
        let body = body.unwrap_or_default();
        if !body.is_empty() {
            req.push_str("Content-Type: application/scim+json; charset=utf-8\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(&host).expect("connect");
            s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .expect("timeout");
            s.write_all(req.as_bytes()).expect("write");
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).expect("read");
            parse_response(&buf)
        })
        .await
        .expect("join")
    }

    async fn call(&self, method: &str, rel: &str, body: Option<Value>) -> Resp {
        let body = body.map(|b| b.to_string());
        self.send(
            method,
            rel,
            Some(&format!("Bearer {TOKEN}")),
            body.as_deref(),
        )
        .await
    }

    async fn get(&self, rel: &str) -> Resp {
        self.call("GET", rel, None).await
    }

    async fn post(&self, rel: &str, body: Value) -> Resp {
        self.call("POST", rel, Some(body)).await
    }

    async fn patch(&self, rel: &str, ops: Value) -> Resp {
        self.call(
            "PATCH",
            rel,
            Some(json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ops})),
        )
        .await
    }

    async fn filter(&self, endpoint: &str, filter: &str) -> Resp {
        self.get(&format!("{endpoint}?filter={}", enc(filter)))
            .await
    }

    async fn user(&self, user_name: &str) -> String {
        let r = self
            .post("Users", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name, "active": true}))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_str().unwrap_or_default().to_string()
    }
}

#[tokio::test]
async fn user_lifecycle_entra_style() {
    let api = Api::start(&[]).await;
    let r = api
        .post(
            "Users?aadOptscim062020",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
                "externalId": "E-1",
                "userName": "Ann.O'Neil+tag@Example.com",
                "active": "True",
                "displayName": "Zoë Ünal",
                "meta": {"resourceType": "Bogus"},
                "emails": [{"primary": "true", "type": "work", "value": "ann@work.example"}],
                ENT: {"employeeNumber": "701984", "manager": "m-1"},
                "x-custom": {"kept": true}
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/scim+json")));
    let u = r.json();
    let id = u["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
        Ok(4)
    );
    assert_eq!(u["active"], json!(true));
    assert_eq!(u["emails"][0]["primary"], json!(true));
    assert_eq!(u["x-custom"], json!({"kept": true}));
    assert_eq!(u[ENT]["manager"], json!({"value": "m-1"}));
    assert_eq!(u["meta"]["resourceType"], json!("User"));
    assert_eq!(u["meta"]["version"], json!("W/\"1\""));
    let loc = u["meta"]["location"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(r.header("location"), Some(loc.as_str()));
    assert_eq!(loc, format!("{}Users/{id}", api.server.base_url()));

    // Case-insensitive uniqueness.
    let dup = api
        .post("Users", json!({"userName": "ann.o'neil+TAG@example.com"}))
        .await;
    assert_eq!(
        (dup.status, dup.json()["scimType"].clone()),
        (409, json!("uniqueness"))
    );
    assert_eq!(dup.json()["status"], json!("409"));

    // Filters the way Entra sends them.
    for f in [
        r#"userName eq "ann.o'neil+tag@example.com""#,
        r#"externalId eq "E-1""#,
        r#"displayName eq "Zoë Ünal""#,
        r#"emails[type eq "work"].value eq "ann@work.example""#,
        &format!(r#"{ENT}:employeeNumber eq "701984""#),
        r#"id eq "ID""#,
    ] {
        let f = f.replace("ID", &id);
        let l = api.filter("Users", &f).await;
        assert_eq!(
            (l.status, l.json()["totalResults"].clone()),
            (200, json!(1)),
            "{f}: {}",
            l.body
        );
    }
    let none = api.filter("Users", r#"userName eq "nobody""#).await.json();
    assert_eq!(none["Resources"], json!([]));
    assert_eq!(none["totalResults"], json!(0));
    let bad = api.filter("Users", r#"nickName eq "x""#).await;
    assert_eq!(
        (bad.status, bad.json()["scimType"].clone()),
        (400, json!("invalidFilter"))
    );
    assert!(bad.json()["detail"]
        .as_str()
        .is_some_and(|d| d.contains("nickName")));

    // Legacy Entra PATCH dialect.
    let p = api
        .patch(&format!("Users/{id}"), json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "ann@home.example"},
            {"op": "Replace", "value": {"name.givenName": "Ann", format!("{ENT}:department"): "R&D"}},
            {"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"1\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}]},
        ]))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let pj = p.json();
    assert_eq!(pj["active"], json!(false));
    assert_eq!(pj["name"]["givenName"], json!("Ann"));
    assert_eq!(pj[ENT]["department"], json!("R&D"));
    assert_eq!(pj["roles"][0]["value"], json!("Admin"));
    assert_eq!(
        pj["emails"][1],
        json!({"type": "home", "value": "ann@home.example"})
    );
    assert_eq!(pj["meta"]["version"], json!("W/\"2\""));

    // An invalid op leaves the resource untouched (all or nothing).
    let bad = api
        .patch(
            &format!("Users/{id}"),
            json!([
            {"op": "replace", "path": "title", "value": "T"},
            {"op": "copy", "path": "title"}]),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["scimType"].clone()),
        (400, json!("invalidSyntax"))
    );
    assert!(api
        .get(&format!("Users/{id}"))
        .await
        .json()
        .get("title")
        .is_none());
    let rm = api
        .patch(
            &format!("Users/{id}"),
            json!([{"op": "remove", "path": "userName"}]),
        )
        .await;
    assert_eq!(
        (rm.status, rm.json()["scimType"].clone()),
        (400, json!("invalidValue"))
    );

    // PUT keeps id and created.
    let put = api
        .call(
            "PUT",
            &format!("Users/{id}"),
            Some(json!({"userName": "ann2", "externalId": "E-1"})),
        )
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(put.json()["meta"]["created"], u["meta"]["created"]);
    assert_eq!(put.json()["active"], json!(true));

    let d = api.call("DELETE", &format!("Users/{id}"), None).await;
    assert_eq!((d.status, d.body.as_str()), (204, ""));
    let g = api.get(&format!("Users/{id}")).await;
    assert_eq!((g.status, g.json()["status"].clone()), (404, json!("404")));
    api.server.shutdown().await;
}

#[tokio::test]
async fn groups_lifecycle_and_projection() {
    let api = Api::start(&[]).await;
    let (u1, u2) = (api.user("one@x.io").await, api.user("two@x.io").await);
    let r = api
        .post("Groups", json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "Sales", "externalId": "G-1"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["members"], json!([]));
    let gid = r.json()["id"].as_str().unwrap_or_default().to_string();
    let dup = api.post("Groups", json!({"displayName": "SALES"})).await;
    assert_eq!(dup.status, 409);
    let missing = api.post("Groups", json!({"externalId": "x"})).await;
    assert_eq!(
        (missing.status, missing.json()["scimType"].clone()),
        (400, json!("invalidValue"))
    );

    let add = api
        .patch(&format!("Groups/{gid}"), json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": u1}, {"value": u2}]}]))
        .await;
    assert_eq!((add.status, add.body.as_str()), (204, ""));
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert_eq!(
        g["members"][0],
        json!({"value": u1, "display": "one@x.io", "type": "User"})
    );
    let ex = api
        .get(&format!("Groups/{gid}?excludedAttributes=Members"))
        .await
        .json();
    assert!(ex.get("members").is_none() && ex.get("id").is_some() && ex.get("meta").is_some());
    let only = api
        .get(&format!("Groups/{gid}?attributes=displayName"))
        .await
        .json();
    assert_eq!(
        only.as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "schemas".to_string(),
            "id".into(),
            "displayName".into(),
            "meta".into()
        ])
    );
    let l = api
        .filter(
            "Groups",
            &format!(r#"id eq "{gid}" and members[value eq "{u2}"]"#),
        )
        .await;
    assert_eq!(l.json()["totalResults"], json!(1), "{}", l.body);
    let l = api
        .get(&format!(
            "Groups?filter={}&excludedAttributes=members",
            enc(r#"displayName eq "sales""#)
        ))
        .await
        .json();
    assert_eq!(
        (
            l["totalResults"].clone(),
            l["Resources"][0].get("members").is_none()
        ),
        (json!(1), true)
    );

    let legacy = api
        .patch(
            &format!("Groups/{gid}"),
            json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]),
        )
        .await;
    assert_eq!(legacy.status, 204);
    let g = api.get(&format!("Groups/{gid}")).await.json();
    assert_eq!(g["members"].as_array().map(Vec::len), Some(1));
    api.patch(
        &format!("Groups/{gid}"),
        json!([{"op": "remove", "path": format!("members[value eq \"{u2}\"]")}]),
    )
    .await;
    assert_eq!(
        api.get(&format!("Groups/{gid}")).await.json()["members"],
        json!([])
    );
    let rename = api
        .patch(
            &format!("Groups/{gid}"),
            json!([{"op": "Replace", "path": "displayName", "value": "Sales EU"}]),
        )
        .await;
    assert_eq!(rename.status, 204);
    assert_eq!(
        api.filter("Groups", r#"displayName eq "SALES eu""#)
            .await
            .json()["totalResults"],
        json!(1)
    );

    let mut cfg = ServerConfig::new(TOKEN);
    cfg.groups_enabled = false;
    let no_groups = Api::with_config(cfg).await;
    // Test Connection's probe of /Groups gets an empty list; everything else about groups is 404.
    let probe = no_groups.get("Groups").await;
    assert_eq!(
        (probe.status, probe.json()["totalResults"].clone()),
        (200, json!(0))
    );
    assert_eq!(
        no_groups
            .post("Groups", json!({"displayName": "x"}))
            .await
            .status,
        404
    );
    assert_eq!(no_groups.get("Groups/some-id").await.status, 404);
    assert_eq!(
        no_groups.get("ResourceTypes").await.json()["totalResults"],
        json!(1)
    );
}

#[tokio::test]
async fn auth_discovery_and_protocol_errors() {
    let api = Api::start(&[]).await;
    let none = api.send("GET", "Users", None, None).await;
    assert_eq!(none.status, 401);
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    assert_eq!(none.json()["status"], json!("401"));
    assert_eq!(
        api.send("GET", "Users", Some("Bearer nope"), None)
            .await
            .status,
        401
    );
    assert_eq!(
        api.send("GET", "ServiceProviderConfig", None, None)
            .await
            .status,
        401
    );

    let spc = api.get("ServiceProviderConfig").await.json();
    assert_eq!(
        (
            spc["patch"]["supported"].clone(),
            spc["bulk"]["supported"].clone()
        ),
        (json!(true), json!(false))
    );
    assert_eq!(api.get("Schemas").await.json()["totalResults"], json!(3));
    let rt = api.get("ResourceTypes/User").await.json();
    assert_eq!(rt["schemaExtensions"][0]["schema"], json!(ENT));

    let m = api.call("DELETE", "Users", None).await;
    assert_eq!((m.status, m.json()["status"].clone()), (405, json!("405")));
    let bad = api
        .send(
            "POST",
            "Users",
            Some(&format!("Bearer {TOKEN}")),
            Some("{not json"),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["scimType"].clone()),
        (400, json!("invalidSyntax"))
    );
    let list = api
        .send(
            "POST",
            "Users",
            Some(&format!("Bearer {TOKEN}")),
            Some("[1]"),
        )
        .await;
    assert_eq!(list.status, 400);
    assert_eq!(api.get("Nope").await.status, 404);
    assert_eq!(api.get("Users/does-not-exist").await.status, 404);

    // Paging is deterministic (creation order).
    for i in 0..5 {
        api.user(&format!("p{i}@x.io")).await;
    }
    let page = api.get("Users?startIndex=2&count=2").await.json();
    assert_eq!(
        (
            page["totalResults"].clone(),
            page["itemsPerPage"].clone(),
            page["startIndex"].clone()
        ),
        (json!(5), json!(2), json!(2))
    );
    assert_eq!(page["Resources"][0]["userName"], json!("p1@x.io"));

    // Other base paths.
    for base in ["", "/api/scim/entra/env-1/"] {
        let mut cfg = ServerConfig::new(TOKEN);
        cfg.base_path = base.to_string();
        let other = Api::with_config(cfg).await;
        assert!(other.server.base_url().as_str().ends_with('/'));
        assert_eq!(other.get("Users").await.status, 200, "{base}");
        if !base.is_empty() {
            assert_eq!(
                other
                    .send("GET", "/Users", Some(&format!("Bearer {TOKEN}")), None)
                    .await
                    .status,
                404
            );
        }
        other.server.shutdown().await;
    }
}

#[tokio::test]
async fn seed_and_dump() {
    let api = Api::start(&[]).await;
    let id = api
        .server
        .seed("Users", json!({"userName": "foreign", "active": true}));
    let before = api.server.dump();
    assert_eq!(before["Users"][0]["id"], json!(id));
    api.user("mine@x.io").await;
    let after = api.server.dump();
    let foreign: Vec<&Value> = after["Users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|u| u["id"] == json!(id))
        .collect();
    assert_eq!(foreign, vec![&before["Users"][0]]);
    assert_eq!(
        api.get(&format!("Users/{id}")).await.json()["userName"],
        json!("foreign")
    );
}

/// Runs the scenario that exposes `fault` and returns only deterministic observations.
async fn observe(fault: Fault, api: &Api) -> Value {
    let seed = |name: &str| {
        api.server.seed(
            "User",
            json!({"userName": name, "externalId": "E1", "active": true}),
        )
    };
    match fault {
        Fault::AuthIgnoresToken => json!(
            api.send("GET", "Users", Some("Bearer wrong"), None)
                .await
                .status
        ),
        Fault::AuthOptional => json!(api.send("GET", "Users", None, None).await.status),
        Fault::FilterIgnored => {
            seed("a@x.io");
            seed("b@x.io");
            api.filter("Users", r#"userName eq "a@x.io""#).await.json()["totalResults"].clone()
        }
        Fault::FilterCaseSensitive => {
            seed("Alice@X.io");
            api.filter("Users", r#"userName eq "alice@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::FilterEmpty404 => json!(api.filter("Users", r#"userName eq "nobody""#).await.status),
        Fault::FilterExternalIdUnsupported => {
            seed("a@x.io");
            json!(api.filter("Users", r#"externalId eq "E1""#).await.status)
        }
        Fault::FilterUnknownAttributeMatchesAll => {
            json!(api.filter("Users", r#"nickName eq "x""#).await.status)
        }
        Fault::ListTotalMissing => {
            json!(api.get("Users").await.json().get("totalResults").is_some())
        }
        Fault::FilterPlusAsSpace => {
            seed("first+tag@x.io");
            api.filter("Users", r#"userName eq "first+tag@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::FilterNonAsciiBroken => {
            seed("zoë@x.io");
            api.filter("Users", r#"userName eq "zoë@x.io""#)
                .await
                .json()["totalResults"]
                .clone()
        }
        Fault::CreateReturns200 => json!(
            api.post("Users", json!({"userName": "n@x.io"}))
                .await
                .status
        ),
        Fault::CreateOmitsId => json!(api
            .post("Users", json!({"userName": "n@x.io"}))
            .await
            .json()
            .get("id")
            .is_some()),
        Fault::DuplicatesAllowed => {
            api.post("Users", json!({"userName": "d@x.io"})).await;
            json!(
                api.post("Users", json!({"userName": "D@X.io"}))
                    .await
                    .status
            )
        }
        Fault::UnknownId400 => json!([
            api.get("Users/nope").await.status,
            api.call("DELETE", "Users/nope", None).await.status
        ]),
        Fault::ErrorStatusNumber => api.get("Users/nope").await.json()["status"].clone(),
        Fault::JsonContentType => json!(api.get("Users").await.header("content-type")),
        Fault::DisabledHidden => {
            let id = api
                .server
                .seed("User", json!({"userName": "off@x.io", "active": false}));
            json!([
                api.get(&format!("Users/{id}")).await.status,
                api.filter("Users", r#"userName eq "off@x.io""#)
                    .await
                    .json()["totalResults"]
            ])
        }
        Fault::ManagerAsString => {
            let id = api.server.seed(
                "User",
                json!({"userName": "m@x.io", ENT: {"manager": {"value": "boss"}}}),
            );
            api.get(&format!("Users/{id}")).await.json()[ENT]["manager"].clone()
        }
        Fault::PatchIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "path": "displayName", "value": "P"}]),
            )
            .await
            .json()["displayName"]
                .clone()
        }
        Fault::ActiveIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "Replace", "path": "active", "value": false}]),
            )
            .await
            .json()["active"]
                .clone()
        }
        Fault::ActiveStringRejected => {
            let id = seed("p@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "Replace", "path": "active", "value": "False"}])
                )
                .await
                .status
            )
        }
        Fault::CapitalizedOpsRejected => {
            let id = seed("p@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "Replace", "path": "title", "value": "T"}])
                )
                .await
                .status
            )
        }
        Fault::PathlessDottedKeysIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "value": {"name.givenName": "G"}}]),
            )
            .await
            .json()["name"]
                .clone()
        }
        Fault::FilteredPathNoCreate => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "add", "path": "emails[type eq \"work\"].value", "value": "w@x.io"}]),
            )
            .await
            .json()["emails"]
                .clone()
        }
        Fault::ExtensionIgnored => {
            let id = seed("p@x.io");
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "add", "path": format!("{ENT}:department"), "value": "R&D"}]),
            )
            .await
            .json()[ENT]
                .clone()
        }
        Fault::MemberRemoveIgnored
        | Fault::MemberRemoveClearsAll
        | Fault::MembersDespiteExcluded => {
            let (u1, u2) = (seed("m1@x.io"), seed("m2@x.io"));
            let gid = api.server.seed("Group", json!({"displayName": "G", "members": [{"value": u1, "type": "User"}, {"value": u2, "type": "User"}]}));
            if fault == Fault::MembersDespiteExcluded {
                return json!(api
                    .get(&format!("Groups/{gid}?excludedAttributes=members"))
                    .await
                    .json()
                    .get("members")
                    .is_some());
            }
            let op = if fault == Fault::MemberRemoveIgnored {
                json!([{"op": "remove", "path": format!("members[value eq \"{u1}\"]")}])
            } else {
                json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}])
            };
            let status = api.patch(&format!("Groups/{gid}"), op).await.status;
            json!([
                status,
                api.get(&format!("Groups/{gid}")).await.json()["members"]
                    .as_array()
                    .map(Vec::len)
            ])
        }
        Fault::RolesDropped => api
            .post(
                "Users",
                json!({"userName": "r@x.io", "roles": [{"value": "Admin"}]}),
            )
            .await
            .json()["roles"]
            .clone(),
        Fault::RolesReplaceAppends => {
            let id = api.server.seed(
                "User",
                json!({"userName": "r@x.io", "roles": [{"value": "Old"}]}),
            );
            api.patch(
                &format!("Users/{id}"),
                json!([{"op": "replace", "path": "roles", "value": [{"value": "New"}]}]),
            )
            .await
            .json()["roles"]
                .clone()
        }
        Fault::RolesStringifiedRejected => {
            let id = seed("r@x.io");
            json!(api.patch(&format!("Users/{id}"), json!([{"op": "Add", "path": "roles", "value": [{"value": "{\"id\":\"1\",\"value\":\"A\",\"displayName\":\"A\"}"}]}])).await.status)
        }
        Fault::DeleteNoop => {
            let id = seed("del@x.io");
            let d = api
                .call("DELETE", &format!("Users/{id}"), None)
                .await
                .status;
            json!([d, api.get(&format!("Users/{id}")).await.status])
        }
        Fault::GroupsUnsupported => json!([
            api.get("Groups").await.status,
            api.post("Groups", json!({"displayName": "x"})).await.status
        ]),
        Fault::FilterUnsupported => json!(api.filter("Users", r#"userName eq "x""#).await.status),
        Fault::GetById404 => {
            let id = seed("g@x.io");
            json!(api.get(&format!("Users/{id}")).await.status)
        }
        Fault::GetReturnsList => {
            let id = seed("g@x.io");
            json!(api
                .get(&format!("Users/{id}"))
                .await
                .json()
                .get("id")
                .is_some())
        }
        Fault::DeleteReturns200 => {
            let id = seed("d@x.io");
            json!(
                api.call("DELETE", &format!("Users/{id}"), None)
                    .await
                    .status
            )
        }
        Fault::DeleteUnsupported => {
            let id = seed("d@x.io");
            json!(
                api.call("DELETE", &format!("Users/{id}"), None)
                    .await
                    .status
            )
        }
        Fault::MemberAddFirstOnly => {
            let (a, b) = (seed("a@x.io"), seed("b@x.io"));
            let g = api.post("Groups", json!({"displayName": "g"})).await.json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            api.patch(
                &format!("Groups/{g}"),
                json!([{"op": "add", "path": "members", "value": [{"value": a}, {"value": b}]}]),
            )
            .await;
            json!(api.get(&format!("Groups/{g}")).await.json()["members"]
                .as_array()
                .map(Vec::len))
        }
        Fault::MembersDespiteExcludedById => {
            let a = seed("a@x.io");
            let g = api
                .post(
                    "Groups",
                    json!({"displayName": "g", "members": [{"value": a}]}),
                )
                .await
                .json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            json!(api
                .get(&format!("Groups/{g}?excludedAttributes=members"))
                .await
                .json()
                .get("members")
                .is_some())
        }
        Fault::MemberRemoveFilterRejected => {
            let a = seed("a@x.io");
            let g = api
                .post(
                    "Groups",
                    json!({"displayName": "g", "members": [{"value": a}]}),
                )
                .await
                .json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            json!(
                api.patch(
                    &format!("Groups/{g}"),
                    json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}])
                )
                .await
                .status
            )
        }
        Fault::RolesReadonly => {
            let id = seed("r@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "replace", "path": "roles", "value": [{"value": "A"}]}])
                )
                .await
                .status
            )
        }
        Fault::UsernameLowercased => api
            .post("Users", json!({"userName": "Mixed@X.io"}))
            .await
            .json()["userName"]
            .clone(),
        Fault::ReenableRejected | Fault::ReenableIgnored => {
            let id = api
                .post("Users", json!({"userName": "e@x.io", "active": false}))
                .await
                .json()["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let r = api
                .patch(
                    &format!("Users/{id}"),
                    json!([{"op": "replace", "path": "active", "value": true}]),
                )
                .await;
            json!([
                r.status,
                api.get(&format!("Users/{id}")).await.json()["active"]
            ])
        }
        Fault::PathlessRejected => {
            let id = seed("p@x.io");
            json!(
                api.patch(
                    &format!("Users/{id}"),
                    json!([{"op": "replace", "value": {"displayName": "P"}}])
                )
                .await
                .status
            )
        }
        Fault::ErrorScimTypeMissing => {
            api.post("Users", json!({"userName": "d@x.io"})).await;
            api.post("Users", json!({"userName": "d@x.io"}))
                .await
                .json()["scimType"]
                .clone()
        }
    }
}

/// Asserts every fault in `family` changes what `observe` sees versus the correct server.
async fn assert_family(family: &[Fault]) {
    for &fault in family {
        let correct = Api::start(&[]).await;
        let faulty = Api::start(&[fault]).await;
        let good = observe(fault, &correct).await;
        let bad = observe(fault, &faulty).await;
        assert_ne!(
            good, bad,
            "fault {fault} did not change behaviour (observed {good})"
        );
        correct.server.shutdown().await;
        faulty.server.shutdown().await;
    }
}

const AUTH: &[Fault] = &[Fault::AuthIgnoresToken, Fault::AuthOptional];
const LISTS: &[Fault] = &[
    Fault::FilterIgnored,
    Fault::FilterCaseSensitive,
    Fault::FilterEmpty404,
    Fault::FilterExternalIdUnsupported,
    Fault::FilterUnknownAttributeMatchesAll,
    Fault::ListTotalMissing,
    Fault::FilterPlusAsSpace,
    Fault::FilterNonAsciiBroken,
];
const CREATE_READ: &[Fault] = &[
    Fault::CreateReturns200,
    Fault::CreateOmitsId,
    Fault::DuplicatesAllowed,
    Fault::UnknownId400,
    Fault::ErrorStatusNumber,
    Fault::JsonContentType,
    Fault::DisabledHidden,
    Fault::ManagerAsString,
];
const PATCH: &[Fault] = &[
    Fault::PatchIgnored,
    Fault::ActiveIgnored,
    Fault::ActiveStringRejected,
    Fault::CapitalizedOpsRejected,
    Fault::PathlessDottedKeysIgnored,
    Fault::FilteredPathNoCreate,
    Fault::ExtensionIgnored,
    Fault::MemberRemoveIgnored,
    Fault::MemberRemoveClearsAll,
    Fault::MembersDespiteExcluded,
    Fault::RolesDropped,
    Fault::RolesReplaceAppends,
    Fault::RolesStringifiedRejected,
];
const DELETE_GROUPS: &[Fault] = &[Fault::DeleteNoop, Fault::GroupsUnsupported];
const LATER: &[Fault] = &[
    Fault::FilterUnsupported,
    Fault::GetById404,
    Fault::GetReturnsList,
    Fault::DeleteReturns200,
    Fault::DeleteUnsupported,
    Fault::MemberAddFirstOnly,
    Fault::MembersDespiteExcludedById,
    Fault::MemberRemoveFilterRejected,
    Fault::RolesReadonly,
    Fault::UsernameLowercased,
    Fault::ReenableRejected,
    Fault::ReenableIgnored,
    Fault::PathlessRejected,
    Fault::ErrorScimTypeMissing,
];

#[test]
fn families_cover_every_fault() {
    let all: Vec<Fault> = [AUTH, LISTS, CREATE_READ, PATCH, DELETE_GROUPS, LATER].concat();
    assert_eq!(all.len(), Fault::ALL.len());
    assert!(Fault::ALL.iter().all(|f| all.contains(f)));
}

#[tokio::test]
async fn faults_read_delete_roles_and_errors() {
    assert_family(LATER).await;
}

#[tokio::test]
async fn faults_auth() {
    assert_family(AUTH).await;
}

#[tokio::test]
async fn faults_lists_and_filters() {
    assert_family(LISTS).await;
}

#[tokio::test]
async fn faults_create_and_read() {
    assert_family(CREATE_READ).await;
}

#[tokio::test]
async fn faults_patch() {
    assert_family(PATCH).await;
}

#[tokio::test]
async fn faults_delete_and_groups() {
    assert_family(DELETE_GROUPS).await;
}

#[tokio::test]
async fn fault_details_match_the_spec() {
    // Spot checks of what the faulty servers answer, beyond "different".
    let api = Api::start(&[Fault::ErrorStatusNumber, Fault::JsonContentType]).await;
    let r = api.get("Users/nope").await;
    assert_eq!(r.json()["status"], json!(404));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let api = Api::start(&[Fault::AuthIgnoresToken]).await;
    assert_eq!(api.send("GET", "Users", None, None).await.status, 401);
    let api = Api::start(&[Fault::AuthOptional]).await;
    assert_eq!(
        api.send("GET", "Users", Some("Bearer wrong"), None)
            .await
            .status,
        401
    );
    let api = Api::start(&[Fault::FilterExternalIdUnsupported]).await;
    assert_eq!(
        api.filter("Users", r#"externalId eq "x""#).await.json()["scimType"],
        json!("invalidFilter")
    );
    let api = Api::start(&[Fault::ManagerAsString]).await;
    let id = api.server.seed(
        "User",
        json!({"userName": "m", ENT: {"manager": {"value": "boss"}}}),
    );
    assert_eq!(
        api.get(&format!("Users/{id}")).await.json()[ENT]["manager"],
        json!("boss")
    );
    assert_eq!(
        api.server.dump()["Users"][0][ENT]["manager"],
        json!({"value": "boss"})
    );
}

#[tokio::test]
async fn malformed_requests_get_scim_errors_not_panics() {
    let api = Api::start(&[]).await;
    let uid = api.user("robust@x.io").await;
    let gid = api.post("Groups", json!({"displayName": "R"})).await.json()["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let auth = format!("Bearer {TOKEN}");
    let raw_bodies: &[(&str, String, &str)] = &[
        ("POST", "Users".into(), ""),
        ("POST", "Users".into(), "null"),
        ("POST", "Users".into(), r#"{"userName": 42}"#),
        (
            "POST",
            "Users".into(),
            r#"{"userName": "u", "active": "maybe"}"#,
        ),
        ("POST", "Users".into(), r#"{"userName": "u", "active": 3}"#),
        (
            "POST",
            "Users".into(),
            r#"{"userName": "u", "roles": "x", "emails": 5, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": 7}}"#,
        ),
        (
            "POST",
            "Groups".into(),
            r#"{"displayName": "g", "members": "nope"}"#,
        ),
        (
            "POST",
            "Groups".into(),
            r#"{"displayName": "g", "members": [{"value": 1}]}"#,
        ),
        ("PUT", format!("Users/{uid}"), "[]"),
        ("PATCH", format!("Users/{uid}"), "{}"),
        ("PATCH", format!("Users/{uid}"), r#"{"Operations": {}}"#),
        ("PATCH", format!("Users/{uid}"), r#"{"Operations": [1]}"#),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"path": "title"}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": 5}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"schemas": ["wrong"], "Operations": []}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": 3, "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "title"}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "replace", "value": "flat"}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "emails[", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "emails[type eq \"w\"]x", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "emails[type eq \"w\"]", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "a.b.c", "value": 1}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "manager", "value": 12}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "roles", "value": 12}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "replace", "path": "userName", "value": 12}]}"#,
        ),
        (
            "PATCH",
            format!("Users/{uid}"),
            r#"{"Operations": [{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "value": "x"}]}"#,
        ),
        (
            "PATCH",
            format!("Groups/{gid}"),
            r#"{"Operations": [{"op": "add", "path": "members", "value": "x"}]}"#,
        ),
        (
            "PATCH",
            format!("Groups/{gid}"),
            r#"{"Operations": [{"op": "remove", "path": "members", "value": [{"display": "no value"}]}]}"#,
        ),
        (
            "PATCH",
            format!("Groups/{gid}"),
            r#"{"Operations": [{"op": "remove", "path": "displayName"}]}"#,
        ),
    ];
    for (method, rel, body) in raw_bodies {
        let r = api.send(method, rel, Some(&auth), Some(body)).await;
        assert_eq!(r.status, 400, "{method} {rel} {body}: {}", r.body);
        assert_eq!(r.json()["status"], json!("400"), "{body}");
    }
    for f in [
        "",
        "((",
        "userName",
        "userName eq",
        r#"userName eq "x"#,
        r#"userName eq "\uZZZZ""#,
        r#"userName eq "\ud800""#,
        "userName eq x",
        r#"emails[type eq "w""#,
        r#"emails[type eq "w"]]"#,
        r#"emails[emails[type eq "w"]]"#,
        r#"userName zz "x""#,
        r#"userName eq "x" and"#,
        "not userName eq 1",
        r#"userName eq "x" )"#,
        "[",
        "]",
        r#"meta.created gt "2020""#,
    ] {
        let r = api.filter("Users", f).await;
        assert_eq!(
            (r.status, r.json()["scimType"].clone()),
            (400, json!("invalidFilter")),
            "{f:?}: {}",
            r.body
        );
    }
    for q in ["startIndex=abc", "count=1.5"] {
        assert_eq!(api.get(&format!("Users?{q}")).await.status, 400, "{q}");
    }
    // The server is still healthy and the user untouched.
    let u = api.get(&format!("Users/{uid}")).await;
    assert_eq!(
        (u.status, u.json()["meta"]["version"].clone()),
        (200, json!("W/\"1\""))
    );
    assert_eq!(
        api.get("Users?count=-3&startIndex=-1").await.json()["itemsPerPage"],
        json!(0)
    );
}
