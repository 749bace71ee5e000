//! Discovery documents: /ServiceProviderConfig, /Schemas and /ResourceTypes.

use crate::core::scim::{
    ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, RESOURCE_TYPE_SCHEMA,
    SCHEMA_SCHEMA, SPC_SCHEMA, USER_SCHEMA,
};
use crate::server::faults::Fault;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The ServiceProviderConfig document; `base` is the absolute base URL without trailing slash.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://www.rfc-editor.org/rfc/rfc7644",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 200},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            "primary": true
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")}
    })
}

fn simple(name: &str, typ: &str, required: bool, case_exact: bool, uniqueness: &str) -> Value {
    json!({
        "name": name, "type": typ, "multiValued": false, "description": name,
        "required": required, "caseExact": case_exact, "mutability": "readWrite",
        "returned": "default", "uniqueness": uniqueness
    })
}

fn string(name: &str) -> Value {
    simple(name, "string", false, false, "none")
}

fn complex(name: &str, multi: bool, subs: Vec<Value>) -> Value {
    json!({
        "name": name, "type": "complex", "multiValued": multi, "description": name,
        "required": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none", "subAttributes": subs
    })
}

/// A `type` sub-attribute offering `values` (Entra maps `emails[type eq "work"].value` from these).
fn type_of(values: &[&str]) -> Value {
    let mut t = string("type");
    if !values.is_empty() {
        t["canonicalValues"] = json!(values);
    }
    t
}

fn primary() -> Value {
    simple("primary", "boolean", false, false, "none")
}

/// A multi-valued `value`/`display`/`type`/`primary` attribute; `types` are the canonical types.
fn typed_multi(name: &str, types: &[&str]) -> Value {
    complex(
        name,
        true,
        vec![
            string("value"),
            string("display"),
            type_of(types),
            primary(),
        ],
    )
}

fn schema(id: &str, name: &str, attributes: Vec<Value>, base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": id, "name": name, "description": format!("{name} schema"),
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")}
    })
}

/// The schema definitions served by /Schemas (Group only when groups are served): every
/// attribute Entra's default mapping and the vendor profiles write; `schemas-missing-attribute`
/// leaves out `title` and `addresses`.
pub fn schemas(base: &str, groups: bool, faults: &BTreeSet<Fault>) -> Vec<Value> {
    let user = schema(
        USER_SCHEMA,
        "User",
        vec![
            simple("userName", "string", true, false, "server"),
            complex(
                "name",
                false,
                vec![
                    string("formatted"),
                    string("familyName"),
                    string("givenName"),
                    string("middleName"),
                    string("honorificPrefix"),
                    string("honorificSuffix"),
                ],
            ),
            string("displayName"),
            string("nickName"),
            string("title"),
            string("userType"),
            string("preferredLanguage"),
            string("locale"),
            string("timezone"),
            simple("active", "boolean", false, false, "none"),
            simple("externalId", "string", false, true, "none"),
            typed_multi("emails", &["work", "home", "other"]),
            typed_multi("phoneNumbers", &["work", "mobile", "fax", "home", "other"]),
            complex(
                "addresses",
                true,
                vec![
                    string("formatted"),
                    string("streetAddress"),
                    string("locality"),
                    string("region"),
                    string("postalCode"),
                    string("country"),
                    type_of(&["work", "home", "other"]),
                    primary(),
                ],
            ),
            typed_multi("roles", &[]),
        ],
        base,
    );
    let user = if faults.contains(&Fault::SchemasMissingAttribute) {
        let mut user = user;
        if let Some(attrs) = user["attributes"].as_array_mut() {
            attrs.retain(|a| a["name"] != json!("title") && a["name"] != json!("addresses"));
        }
        user
    } else {
        user
    };
    let enterprise = schema(
        ENTERPRISE_USER_SCHEMA,
        "EnterpriseUser",
        vec![
            string("employeeNumber"),
            string("costCenter"),
            string("organization"),
            string("division"),
            string("department"),
            complex(
                "manager",
                false,
                vec![
                    simple("value", "string", false, true, "none"),
                    simple("$ref", "reference", false, true, "none"),
                    string("displayName"),
                ],
            ),
        ],
        base,
    );
    let mut out = vec![user, enterprise];
    if groups {
        out.push(schema(
            GROUP_SCHEMA,
            "Group",
            vec![
                simple("displayName", "string", true, false, "server"),
                simple("externalId", "string", false, true, "none"),
                complex(
                    "members",
                    true,
                    vec![
                        simple("value", "string", false, true, "none"),
                        simple("$ref", "reference", false, true, "none"),
                        string("display"),
                        string("type"),
                    ],
                ),
            ],
            base,
        ));
    }
    out
}

/// The resource types served by /ResourceTypes (Group only when groups are served).
pub fn resource_types(base: &str, groups: bool) -> Vec<Value> {
    let mut out = vec![json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": false}],
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")}
    })];
    if groups {
        out.push(json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Group",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")}
        }));
    }
    out
}

/// Wraps documents in an unpaged ListResponse.
pub fn list_of(resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": resources.len(),
        "Resources": resources,
        "startIndex": 1,
        "itemsPerPage": resources.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flattens schemas the way Microsoft's gallery validation does (Schema_Discoverability_Test):
    /// typed multi-valued attributes become `name[type eq "<canonical>"].sub`, other multi-valued
    /// ones `name[primary eq "True"].sub`, complex ones `name.sub`, extension attributes
    /// `<urn>:name`; manager and members stay whole. Lower-cased.
    fn discoverable(docs: &[Value]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for doc in docs {
            let id = doc["id"].as_str().unwrap_or_default();
            let core = id == USER_SCHEMA || id == GROUP_SCHEMA;
            for a in doc["attributes"].as_array().into_iter().flatten() {
                let name = a["name"].as_str().unwrap_or_default();
                if !core {
                    out.insert(format!("{id}:{name}").to_lowercase());
                    continue;
                }
                let subs: Vec<&Value> = a["subAttributes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .collect();
                let sub_name = |s: &Value| s["name"].as_str().unwrap_or_default().to_string();
                if name == "manager" || name == "members" || subs.is_empty() {
                    out.insert(name.to_lowercase());
                } else if a["multiValued"] == json!(true) {
                    let types: Vec<String> = subs
                        .iter()
                        .find(|s| s["name"] == json!("type"))
                        .and_then(|t| t["canonicalValues"].as_array())
                        .map(|v| {
                            v.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    for s in &subs {
                        let sn = sub_name(s);
                        if types.is_empty() && sn != "primary" {
                            out.insert(format!(r#"{name}[primary eq "true"].{sn}"#).to_lowercase());
                        }
                        if sn == "type" || sn == "primary" {
                            continue;
                        }
                        for t in &types {
                            out.insert(format!(r#"{name}[type eq "{t}"].{sn}"#).to_lowercase());
                        }
                    }
                } else {
                    for s in subs {
                        out.insert(format!("{name}.{}", sub_name(s)).to_lowercase());
                    }
                }
            }
        }
        out
    }

    /// Every target attribute of Entra's default mapping and of the vendor profiles.
    const MAPPED: &[&str] = &[
        "userName",
        "active",
        "displayName",
        "title",
        r#"emails[type eq "work"].value"#,
        "preferredLanguage",
        "name.givenName",
        "name.familyName",
        "name.formatted",
        r#"addresses[type eq "work"].formatted"#,
        r#"addresses[type eq "work"].streetAddress"#,
        r#"addresses[type eq "work"].locality"#,
        r#"addresses[type eq "work"].region"#,
        r#"addresses[type eq "work"].postalCode"#,
        r#"addresses[type eq "work"].country"#,
        r#"phoneNumbers[type eq "work"].value"#,
        r#"phoneNumbers[type eq "mobile"].value"#,
        r#"phoneNumbers[type eq "fax"].value"#,
        "externalId",
        r#"roles[primary eq "True"].value"#,
        r#"roles[primary eq "True"].display"#,
        r#"roles[primary eq "True"].type"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
        "members",
    ];

    #[test]
    fn documents_are_consistent() {
        let spc = service_provider_config("http://h/scim");
        assert_eq!(spc["filter"]["maxResults"], json!(200));
        assert_eq!(
            spc["authenticationSchemes"][0]["type"],
            json!("oauthbearertoken")
        );
        let none = BTreeSet::new();
        assert_eq!(schemas("", true, &none).len(), 3);
        assert_eq!(schemas("", false, &none).len(), 2);
        let rts = resource_types("http://h", true);
        assert_eq!(
            rts[0]["schemaExtensions"][0]["schema"],
            json!(ENTERPRISE_USER_SCHEMA)
        );
        assert_eq!(list_of(rts)["totalResults"], json!(2));
    }

    #[test]
    fn every_mapped_attribute_is_discoverable() {
        let found = discoverable(&schemas("", true, &BTreeSet::new()));
        let missing: Vec<&&str> = MAPPED
            .iter()
            .filter(|m| !found.contains(&m.to_lowercase()))
            .collect();
        assert!(missing.is_empty(), "{missing:?} not in {found:#?}");
        for group_attr in ["displayname", "externalid", "members"] {
            assert!(found.contains(group_attr));
        }
        let user = &schemas("", true, &BTreeSet::new())[0];
        let emails = user["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["name"] == json!("emails")))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            emails["subAttributes"][2]["canonicalValues"],
            json!(["work", "home", "other"])
        );
    }

    #[test]
    fn schemas_missing_attribute_leaves_out_title_and_addresses() {
        let faulty: BTreeSet<Fault> = [Fault::SchemasMissingAttribute].into();
        let found = discoverable(&schemas("", true, &faulty));
        assert!(!found.contains("title"));
        assert!(!found.iter().any(|a| a.starts_with("addresses")));
        assert!(found.contains("displayname"));
    }
}
