//! List requests (RFC 7644 §3.4.2 query parameters, §3.4.3 `POST .search`)
//! and the `ListResponse` that answers them.

use serde_json::{Map, Value, json};

use crate::ScimError;

pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The parameters of a list or search request, validated but not yet
/// interpreted against a resource type (the filter is still text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub filter: Option<String>,
    /// 1-based; values below 1 count as 1 (RFC 7644 §3.4.2.4).
    pub start_index: i64,
    /// `None`: the server's default page size. Negative counts as 0.
    pub count: Option<i64>,
    pub sort_by: Option<String>,
    pub sort_order_desc: bool,
    /// Comma-separated, as [`crate::projection::Projection::parse`] takes it.
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            filter: None,
            start_index: 1,
            count: None,
            sort_by: None,
            sort_order_desc: false,
            attributes: None,
            excluded_attributes: None,
        }
    }
}

/// A parameter value: text (the query string, or a JSON string in a
/// search body) or any other JSON value of a search body.
enum Raw<'a> {
    Text(&'a str),
    Json(&'a Value),
}

impl<'a> Raw<'a> {
    fn from_json(value: &'a Value) -> Raw<'a> {
        match value {
            Value::String(s) => Raw::Text(s),
            other => Raw::Json(other),
        }
    }
}

impl ListParams {
    /// Query parameters, names case-insensitive. Unknown ones (Entra's
    /// `aadOptscim062020`) are ignored; of a repeated one the first counts.
    pub fn from_query<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<ListParams, ScimError> {
        let mut params = ListParams::default();
        let mut seen: Vec<Param> = Vec::new();
        for (name, value) in pairs {
            let Some(param) = Param::named(name.as_ref()) else { continue };
            if !seen.contains(&param) {
                seen.push(param);
                params.set(param, Raw::Text(value.as_ref()))?;
            }
        }
        Ok(params)
    }

    /// The body of `POST .search`: a `SearchRequest` whose `attributes` and
    /// `excludedAttributes` are arrays of names and whose `startIndex` and
    /// `count` are numbers.
    pub fn from_search_body(body: &Value) -> Result<ListParams, ScimError> {
        let Value::Object(obj) = body else {
            return Err(ScimError::invalid_syntax("A SearchRequest must be a JSON object"));
        };
        let mut params = ListParams::default();
        for (name, value) in obj {
            if name.eq_ignore_ascii_case("schemas") {
                check_search_schemas(value)?;
            } else if let Some(param) = Param::named(name) {
                params.set(param, Raw::from_json(value))?;
            }
        }
        Ok(params)
    }

    /// How many resources to return: the requested count (default
    /// `default`), never more than `max` (RFC 7644 §3.4.2.4 lets the
    /// server return fewer than asked).
    pub fn effective_count(&self, default: i64, max: i64) -> i64 {
        self.count.unwrap_or(default).clamp(0, max.max(0))
    }

    fn set(&mut self, param: Param, raw: Raw<'_>) -> Result<(), ScimError> {
        match param {
            Param::Filter => self.filter = text(param, raw)?,
            Param::SortBy => self.sort_by = text(param, raw)?,
            Param::Attributes => self.attributes = names(param, raw)?,
            Param::ExcludedAttributes => self.excluded_attributes = names(param, raw)?,
            Param::StartIndex => {
                if let Some(n) = integer(param, raw)? {
                    self.start_index = n.max(1);
                }
            }
            Param::Count => self.count = integer(param, raw)?.map(|n| n.max(0)),
            Param::SortOrder => {
                self.sort_order_desc = match text(param, raw)? {
                    None => false,
                    Some(s) if s.eq_ignore_ascii_case("ascending") => false,
                    Some(s) if s.eq_ignore_ascii_case("descending") => true,
                    Some(s) => {
                        return Err(ScimError::invalid_value(format!("sortOrder must be \"ascending\" or \"descending\", not {s:?}")));
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Filter,
    StartIndex,
    Count,
    SortBy,
    SortOrder,
    Attributes,
    ExcludedAttributes,
}

impl Param {
    const ALL: [(&'static str, Param); 7] = [
        ("filter", Param::Filter),
        ("startIndex", Param::StartIndex),
        ("count", Param::Count),
        ("sortBy", Param::SortBy),
        ("sortOrder", Param::SortOrder),
        ("attributes", Param::Attributes),
        ("excludedAttributes", Param::ExcludedAttributes),
    ];

    fn named(name: &str) -> Option<Param> {
        Self::ALL.iter().find(|(n, _)| n.eq_ignore_ascii_case(name.trim())).map(|(_, p)| *p)
    }

    fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, p)| *p == self).map_or("parameter", |(n, _)| n)
    }
}

fn check_search_schemas(value: &Value) -> Result<(), ScimError> {
    let names_search = match value {
        Value::Null => true,
        Value::Array(urns) => urns.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))),
        _ => false,
    };
    if names_search { Ok(()) } else { Err(ScimError::invalid_syntax(format!("\"schemas\" must be [\"{SEARCH_REQUEST_SCHEMA}\"]"))) }
}

/// A string parameter; blank counts as absent.
fn text(param: Param, raw: Raw<'_>) -> Result<Option<String>, ScimError> {
    let s = match raw {
        Raw::Text(s) => s,
        Raw::Json(Value::Null) => return Ok(None),
        Raw::Json(_) => return Err(ScimError::invalid_value(format!("{} must be a string", param.name()))),
    };
    Ok((!s.trim().is_empty()).then(|| s.to_string()))
}

/// Attribute names: a comma-separated string, or in a search body an
/// array of strings. Returned comma-separated.
fn names(param: Param, raw: Raw<'_>) -> Result<Option<String>, ScimError> {
    let Raw::Json(Value::Array(items)) = raw else { return text(param, raw) };
    let list = items
        .iter()
        .map(|v| v.as_str().ok_or_else(|| ScimError::invalid_value(format!("{} must be an array of strings", param.name()))))
        .collect::<Result<Vec<&str>, _>>()?
        .join(",");
    Ok((!list.trim().is_empty()).then_some(list))
}

fn integer(param: Param, raw: Raw<'_>) -> Result<Option<i64>, ScimError> {
    let invalid = || ScimError::invalid_value(format!("{} must be an integer", param.name()));
    match raw {
        Raw::Json(Value::Null) => Ok(None),
        Raw::Json(Value::Number(n)) => n.as_i64().or_else(|| n.as_u64().map(|_| i64::MAX)).map(Some).ok_or_else(invalid),
        Raw::Text(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            // Beyond i64 is still a number: the largest index or count.
            match s.parse::<i64>() {
                Ok(n) => Ok(Some(n)),
                Err(_) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(i64::MAX)),
                Err(_) => Err(invalid()),
            }
        }
        Raw::Json(_) => Err(invalid()),
    }
}

/// The `ListResponse` (RFC 7644 §3.4.2): `Resources` is always present,
/// `[]` when nothing matched, as Entra and JumpCloud expect.
pub fn list_response(total: i64, start_index: i64, resources: Vec<Value>) -> Value {
    let mut body = Map::new();
    body.insert("schemas".into(), json!([LIST_RESPONSE_SCHEMA]));
    body.insert("totalResults".into(), json!(total.max(0)));
    body.insert("startIndex".into(), json!(start_index.max(1)));
    body.insert("itemsPerPage".into(), json!(resources.len()));
    body.insert("Resources".into(), Value::Array(resources));
    Value::Object(body)
}

/// The text of [`list_response`] up to and including `"Resources":[`, for
/// a response that writes its resources itself, comma-separated, and then
/// closes with `]}`.
pub fn open_list_response(out: &mut Vec<u8>, total: i64, start_index: i64, items: usize) {
    let mut number = itoa::Buffer::new();
    out.extend_from_slice(b"{\"schemas\":[\"");
    out.extend_from_slice(LIST_RESPONSE_SCHEMA.as_bytes());
    out.extend_from_slice(b"\"],\"totalResults\":");
    out.extend_from_slice(number.format(total.max(0)).as_bytes());
    out.extend_from_slice(b",\"startIndex\":");
    out.extend_from_slice(number.format(start_index.max(1)).as_bytes());
    out.extend_from_slice(b",\"itemsPerPage\":");
    out.extend_from_slice(number.format(items).as_bytes());
    out.extend_from_slice(b",\"Resources\":[");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;
    use proptest::prelude::*;

    fn query(pairs: &[(&str, &str)]) -> Result<ListParams, ScimError> {
        ListParams::from_query(pairs.iter().copied())
    }

    #[test]
    fn an_opened_list_response_is_the_start_of_the_general_one() {
        for (total, start, items) in [(0, 1, 0), (1, 1, 1), (-3, 0, 0), (12_345, 101, 3), (i64::MAX, i64::MIN, 2)] {
            let resources = vec![json!({"id": "x"}); items];
            let mut out = Vec::new();
            open_list_response(&mut out, total, start, items);
            out.extend_from_slice(resources.iter().map(Value::to_string).collect::<Vec<_>>().join(",").as_bytes());
            out.extend_from_slice(b"]}");
            let general = serde_json::to_string(&list_response(total, start, resources)).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), general);
        }
    }

    #[test]
    fn okta_and_entra_queries() {
        let p = query(&[("startIndex", "1"), ("count", "2")]).unwrap();
        assert_eq!((p.start_index, p.count), (1, Some(2)));
        let p = query(&[("aadOptscim062020", ""), ("FILTER", "userName eq \"a b\""), ("excludedattributes", "members")]).unwrap();
        assert_eq!(p.filter.as_deref(), Some("userName eq \"a b\""));
        assert_eq!(p.excluded_attributes.as_deref(), Some("members"));
        assert_eq!(query(&[]).unwrap(), ListParams::default());
    }

    #[test]
    fn out_of_range_numbers_are_clamped() {
        let p = query(&[("startIndex", "0"), ("count", "-5")]).unwrap();
        assert_eq!((p.start_index, p.count), (1, Some(0)));
        let p = query(&[("startIndex", "-9"), ("count", " 10 ")]).unwrap();
        assert_eq!((p.start_index, p.count), (1, Some(10)));
        let p = query(&[("startIndex", "99999999999999999999999")]).unwrap();
        assert_eq!(p.start_index, i64::MAX);
    }

    #[test]
    fn non_numeric_numbers_are_invalid_values() {
        for (name, value) in [("startIndex", "one"), ("count", "1.5"), ("count", "0x10"), ("startIndex", "--1")] {
            let e = query(&[(name, value)]).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
            assert!(e.detail.contains(name), "{}", e.detail);
        }
    }

    #[test]
    fn sort_order() {
        assert!(query(&[("sortOrder", "DESCENDING")]).unwrap().sort_order_desc);
        assert!(!query(&[("sortOrder", "Ascending"), ("sortBy", "userName")]).unwrap().sort_order_desc);
        let e = query(&[("sortOrder", "down")]).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn first_of_a_repeated_parameter_wins() {
        let p = query(&[("count", "5"), ("COUNT", "nonsense")]).unwrap();
        assert_eq!(p.count, Some(5));
    }

    #[test]
    fn search_body() {
        let body = json!({
            "schemas": [SEARCH_REQUEST_SCHEMA],
            "attributes": ["displayName", "userName"],
            "excludedAttributes": [],
            "filter": "displayName sw \"smith\"",
            "startIndex": 3,
            "count": 10,
            "sortOrder": "descending"
        });
        let p = ListParams::from_search_body(&body).unwrap();
        assert_eq!(p.attributes.as_deref(), Some("displayName,userName"));
        assert_eq!(p.excluded_attributes, None);
        assert_eq!(p.filter.as_deref(), Some("displayName sw \"smith\""));
        assert_eq!((p.start_index, p.count, p.sort_order_desc), (3, Some(10), true));
        assert_eq!(ListParams::from_search_body(&json!({})).unwrap(), ListParams::default());
    }

    #[test]
    fn search_body_errors() {
        let e = ListParams::from_search_body(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        let e = ListParams::from_search_body(&json!({"schemas": SEARCH_REQUEST_SCHEMA})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        let e = ListParams::from_search_body(&json!([])).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        for body in
            [json!({"count": "x"}), json!({"startIndex": 1.5}), json!({"attributes": [1]}), json!({"filter": 3}), json!({"count": true})]
        {
            let e = ListParams::from_search_body(&body).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidValue), "{body}");
        }
    }

    #[test]
    fn effective_count_defaults_and_clamps() {
        let p = |count| ListParams { count, ..ListParams::default() };
        assert_eq!(p(None).effective_count(100, 1000), 100);
        assert_eq!(p(Some(5000)).effective_count(100, 1000), 1000);
        assert_eq!(p(Some(0)).effective_count(100, 1000), 0);
        assert_eq!(p(None).effective_count(2000, 1000), 1000);
    }

    #[test]
    fn list_response_shape() {
        let body = list_response(0, 1, vec![]);
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#
        );
        let body = list_response(7, 3, vec![json!({"id": "a"}), json!({"id": "b"})]);
        assert_eq!(
            (body["totalResults"].as_i64(), body["startIndex"].as_i64(), body["itemsPerPage"].as_i64()),
            (Some(7), Some(3), Some(2))
        );
    }

    proptest! {
        #[test]
        fn from_query_never_panics(pairs in prop::collection::vec(("[a-zA-Z]{0,18}", ".{0,12}"), 0..8)) {
            if let Ok(p) = ListParams::from_query(pairs) {
                prop_assert!(p.start_index >= 1);
                prop_assert!(p.count.is_none_or(|c| c >= 0));
            }
        }
    }
}
