//! Discovery documents: /ServiceProviderConfig, /Schemas and /ResourceTypes.

use crate::core::scim::{
    ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, RESOURCE_TYPE_SCHEMA,
    SCHEMA_SCHEMA, SPC_SCHEMA, USER_SCHEMA,
};
use serde_json::{json, Value};

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

fn typed_multi(name: &str) -> Value {
    complex(
        name,
        true,
        vec![
            string("value"),
            string("display"),
            string("type"),
            simple("primary", "boolean", false, false, "none"),
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

/// The schema definitions served by /Schemas (Group only when groups are served).
pub fn schemas(base: &str, groups: bool) -> Vec<Value> {
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
            typed_multi("emails"),
            typed_multi("phoneNumbers"),
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
                    string("type"),
                    simple("primary", "boolean", false, false, "none"),
                ],
            ),
            typed_multi("roles"),
        ],
        base,
    );
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

    #[test]
    fn documents_are_consistent() {
        let spc = service_provider_config("http://h/scim");
        assert_eq!(spc["filter"]["maxResults"], json!(200));
        assert_eq!(
            spc["authenticationSchemes"][0]["type"],
            json!("oauthbearertoken")
        );
        assert_eq!(schemas("", true).len(), 3);
        assert_eq!(schemas("", false).len(), 2);
        let rts = resource_types("http://h", true);
        assert_eq!(
            rts[0]["schemaExtensions"][0]["schema"],
            json!(ENTERPRISE_USER_SCHEMA)
        );
        assert_eq!(list_of(rts)["totalResults"], json!(2));
    }
}
