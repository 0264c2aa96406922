//! The discovery documents (RFC 7644 §4): `/ServiceProviderConfig`
//! (RFC 7643 §5), `/ResourceTypes` (§6) and `/Schemas` (§7), all derived
//! from [`crate::schema`] so that what is advertised is what is enforced.

use serde_json::{Map, Value, json};

use crate::schema::{RESOURCE_TYPES, ResourceTypeDef, SCHEMAS, SchemaDef};

pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Limits the server enforces. `filter.maxResults` is the page size cap;
/// RFC 7643 §5 has a place for the request size only under `bulk`, so
/// `bulk.maxPayloadSize` advertises the limit every request is held to
/// (413 beyond it) although bulk itself is not supported. The PATCH
/// operation limit (400 `tooMany`) has no place in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_payload_size: usize,
    /// `filter.maxResults`: the largest page a list or search returns.
    pub max_results: usize,
    /// The most operations one PATCH request may carry.
    pub max_operations: usize,
}

fn base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

fn meta(resource_type: &str, location: String) -> Value {
    json!({ "resourceType": resource_type, "location": location })
}

pub fn service_provider_config(base_url: &str, limits: &Limits) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": limits.max_payload_size },
        "filter": { "supported": true, "maxResults": limits.max_results },
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a per-tenant bearer token sent as \"Authorization: Bearer <token>\", created in Lanyard's admin pages or CLI.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true
        }],
        "meta": meta("ServiceProviderConfig", format!("{}/ServiceProviderConfig", base(base_url))),
    })
}

fn resource_type_json(base_url: &str, rt: &ResourceTypeDef) -> Value {
    let mut doc = Map::new();
    doc.insert("schemas".into(), json!([RESOURCE_TYPE_SCHEMA]));
    doc.insert("id".into(), json!(rt.id));
    doc.insert("name".into(), json!(rt.name));
    doc.insert("endpoint".into(), json!(rt.endpoint));
    doc.insert("description".into(), json!(rt.description));
    doc.insert("schema".into(), json!(rt.schema.id));
    if !rt.extensions.is_empty() {
        let extensions: Vec<Value> =
            rt.extensions.iter().map(|(ext, required)| json!({ "schema": ext.id, "required": required })).collect();
        doc.insert("schemaExtensions".into(), Value::Array(extensions));
    }
    doc.insert("meta".into(), meta("ResourceType", format!("{}/ResourceTypes/{}", base(base_url), rt.id)));
    Value::Object(doc)
}

pub fn resource_types(base_url: &str) -> Vec<Value> {
    RESOURCE_TYPES.iter().map(|rt| resource_type_json(base_url, rt)).collect()
}

/// One resource type by id (`User`, `Group`), case-insensitively.
pub fn resource_type(base_url: &str, id: &str) -> Option<Value> {
    RESOURCE_TYPES.iter().find(|rt| rt.id.eq_ignore_ascii_case(id)).map(|rt| resource_type_json(base_url, rt))
}

/// A schema's attributes only: the common attributes (`id`, `externalId`,
/// `meta`) belong to every resource and are not repeated (RFC 7643 §8.7.1).
fn schema_json(base_url: &str, schema: &SchemaDef) -> Value {
    let attributes: Vec<Value> = schema.attributes.iter().map(|a| a.to_json()).collect();
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": attributes,
        "meta": meta("Schema", format!("{}/Schemas/{}", base(base_url), schema.id)),
    })
}

pub fn schemas(base_url: &str) -> Vec<Value> {
    SCHEMAS.iter().map(|s| schema_json(base_url, s)).collect()
}

/// One schema by URN, case-insensitively.
pub fn schema(base_url: &str, id: &str) -> Option<Value> {
    SCHEMAS.iter().find(|s| s.id.eq_ignore_ascii_case(id)).map(|s| schema_json(base_url, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};

    const BASE: &str = "https://id.example.com/scim/v2/acme/";

    #[test]
    fn lookups_by_id_are_case_insensitive_and_unknown_is_none() {
        assert_eq!(resource_type(BASE, "user").map(|v| v["id"].clone()), Some(json!("User")));
        assert!(resource_type(BASE, "Device").is_none());
        assert_eq!(schema(BASE, &ENTERPRISE_USER_SCHEMA.to_uppercase()).map(|v| v["id"].clone()), Some(json!(ENTERPRISE_USER_SCHEMA)));
        assert!(schema(BASE, "urn:nope").is_none());
    }

    #[test]
    fn locations_have_no_double_slash() {
        let user = schema(BASE, USER_SCHEMA).unwrap();
        assert_eq!(user["meta"]["location"], format!("https://id.example.com/scim/v2/acme/Schemas/{USER_SCHEMA}"));
        let spc = service_provider_config(BASE, &Limits { max_payload_size: 1, max_results: 7, max_operations: 1 });
        assert_eq!(spc["meta"]["location"], "https://id.example.com/scim/v2/acme/ServiceProviderConfig");
        assert_eq!(spc["filter"]["maxResults"], 7);
    }

    #[test]
    fn user_schema_lists_no_common_attributes() {
        let user = schema(BASE, USER_SCHEMA).unwrap();
        let names: Vec<&str> = user["attributes"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
        assert!(names.contains(&"userName"));
        assert!(!names.iter().any(|n| ["id", "externalId", "meta"].contains(n)));
    }
}
