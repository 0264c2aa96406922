//! Attribute schemas (RFC 7643 §2, §4, §8.7) as data, with every
//! characteristic: the single source for validation, filters, PATCH,
//! projection and the `/Schemas` discovery documents.

use serde_json::{Map, Value, json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Lanyard's read-only seat state on every User.
pub const SEAT_SCHEMA: &str = "urn:lanyard:params:scim:schemas:extension:seat:2.0:User";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute or sub-attribute with all of its characteristics.
#[derive(Debug, Clone, Copy)]
pub struct AttrDef {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [AttrDef],
}

impl AttrDef {
    pub const fn new(name: &'static str, ty: AttrType, description: &'static str) -> Self {
        Self {
            name,
            ty,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }
    pub const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    pub const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    pub const fn date_time(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::DateTime, description)
    }
    pub const fn reference(name: &'static str, types: &'static [&'static str], description: &'static str) -> Self {
        let mut a = Self::new(name, AttrType::Reference, description);
        a.reference_types = types;
        a
    }
    pub const fn complex(name: &'static str, subs: &'static [AttrDef], description: &'static str) -> Self {
        let mut a = Self::new(name, AttrType::Complex, description);
        a.sub_attributes = subs;
        a
    }
    pub const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    pub const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    pub const fn unique(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    pub const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    /// A sub-attribute by name, case-insensitively (RFC 7643 §2.1).
    pub fn sub(&self, name: &str) -> Option<&'static AttrDef> {
        self.sub_attributes.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn is_complex(&self) -> bool {
        self.ty == AttrType::Complex
    }

    /// The attribute's definition as `/Schemas` publishes it.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("name".into(), json!(self.name));
        o.insert("type".into(), json!(self.ty.as_str()));
        o.insert("multiValued".into(), json!(self.multi_valued));
        o.insert("description".into(), json!(self.description));
        o.insert("required".into(), json!(self.required));
        if !self.is_complex() && self.ty != AttrType::Boolean {
            o.insert("caseExact".into(), json!(self.case_exact));
        }
        if !self.canonical_values.is_empty() {
            o.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if !self.reference_types.is_empty() {
            o.insert("referenceTypes".into(), json!(self.reference_types));
        }
        o.insert("mutability".into(), json!(self.mutability.as_str()));
        o.insert("returned".into(), json!(self.returned.as_str()));
        if !self.is_complex() {
            o.insert("uniqueness".into(), json!(self.uniqueness.as_str()));
        }
        if self.is_complex() {
            let subs: Vec<Value> = self.sub_attributes.iter().map(AttrDef::to_json).collect();
            o.insert("subAttributes".into(), Value::Array(subs));
        }
        Value::Object(o)
    }
}

/// A schema: its URN, name and attributes.
#[derive(Debug)]
pub struct SchemaDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [AttrDef],
}

impl SchemaDef {
    pub fn attr(&self, name: &str) -> Option<&'static AttrDef> {
        self.attributes.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A resource type (RFC 7643 §6) with its core schema and extensions.
#[derive(Debug)]
pub struct ResourceTypeDef {
    pub id: &'static str,
    pub name: &'static str,
    pub endpoint: &'static str,
    pub description: &'static str,
    pub schema: &'static SchemaDef,
    /// Extension schemas and whether each is required.
    pub extensions: &'static [(&'static SchemaDef, bool)],
}

/// Where a resolved attribute lives: at the root of the resource (core
/// schema and common attributes) or under an extension's URN key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrHome {
    Core,
    Extension(&'static str),
}

/// An attribute path resolved against a resource type.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedAttr {
    pub home: AttrHome,
    pub attr: &'static AttrDef,
    pub sub: Option<&'static AttrDef>,
}

impl ResolvedAttr {
    /// The definition the path ends at: the sub-attribute if there is one.
    pub fn leaf(&self) -> &'static AttrDef {
        self.sub.unwrap_or(self.attr)
    }
    /// Canonical dotted name, URN-qualified for extensions, e.g.
    /// `emails.value` or `urn:...:enterprise:2.0:User:manager.value`.
    pub fn canonical_name(&self) -> String {
        let mut s = match self.home {
            AttrHome::Core => String::new(),
            AttrHome::Extension(urn) => format!("{urn}:"),
        };
        s.push_str(self.attr.name);
        if let Some(sub) = self.sub {
            s.push('.');
            s.push_str(sub.name);
        }
        s
    }
}

impl ResourceTypeDef {
    /// All schemas of the resource type, core first.
    pub fn schemas(&self) -> impl Iterator<Item = &'static SchemaDef> + '_ {
        std::iter::once(self.schema).chain(self.extensions.iter().map(|(s, _)| *s))
    }

    /// The extension schema with this URN (case-insensitive), if any.
    pub fn extension(&self, urn: &str) -> Option<&'static SchemaDef> {
        self.extensions.iter().map(|(s, _)| *s).find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// A top-level attribute: a common attribute (`id`, `externalId`,
    /// `meta`), a core attribute, or (with `uri`) an attribute of the
    /// schema with that URN. Names are case-insensitive.
    pub fn resolve(&self, uri: Option<&str>, name: &str) -> Option<(AttrHome, &'static AttrDef)> {
        match uri {
            None => COMMON_ATTRIBUTES
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(name))
                .or_else(|| self.schema.attr(name))
                .map(|a| (AttrHome::Core, a)),
            Some(uri) if uri.eq_ignore_ascii_case(self.schema.id) => self.resolve(None, name),
            Some(uri) => {
                let ext = self.extension(uri)?;
                ext.attr(name).map(|a| (AttrHome::Extension(ext.id), a))
            }
        }
    }

    /// Resolve `[uri:]name[.sub]`. `None` when any part is unknown.
    pub fn resolve_path(&self, uri: Option<&str>, name: &str, sub: Option<&str>) -> Option<ResolvedAttr> {
        let (home, attr) = self.resolve(uri, name)?;
        let sub = match sub {
            Some(s) => Some(attr.sub(s)?),
            None => None,
        };
        Some(ResolvedAttr { home, attr, sub })
    }
}

// ---- common attributes (RFC 7643 §3.1) ----

const META_SUBS: &[AttrDef] = &[
    AttrDef::string("resourceType", "The name of the resource type of the resource.").case_exact().mutability(Mutability::ReadOnly),
    AttrDef::date_time("created", "The date and time the resource was added to the service provider.").mutability(Mutability::ReadOnly),
    AttrDef::date_time("lastModified", "The most recent date and time the resource was modified.").mutability(Mutability::ReadOnly),
    AttrDef::reference("location", &["uri"], "The URI of the resource being returned.").case_exact().mutability(Mutability::ReadOnly),
    AttrDef::string("version", "The version of the resource, also its ETag.").case_exact().mutability(Mutability::ReadOnly),
];

pub const COMMON_ATTRIBUTES: &[AttrDef] = &[
    AttrDef::string("id", "Unique identifier for the resource, assigned by the service provider.")
        .case_exact()
        .mutability(Mutability::ReadOnly)
        .returned(Returned::Always)
        .unique(Uniqueness::Server),
    AttrDef::string("externalId", "An identifier for the resource as defined by the provisioning client.").case_exact(),
    AttrDef::complex("meta", META_SUBS, "Resource metadata.").mutability(Mutability::ReadOnly),
];

// ---- User (RFC 7643 §4.1, §8.7.1) ----

const TYPE_VALUES_EMAIL: &[&str] = &["work", "home", "other"];
const TYPE_VALUES_PHONE: &[&str] = &["work", "home", "mobile", "fax", "pager", "other"];
const TYPE_VALUES_IM: &[&str] = &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"];
const TYPE_VALUES_PHOTO: &[&str] = &["photo", "thumbnail"];
const TYPE_VALUES_ADDRESS: &[&str] = &["work", "home", "other"];

const NAME_SUBS: &[AttrDef] = &[
    AttrDef::string("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
    AttrDef::string("familyName", "The family name of the User, or last name in most Western languages."),
    AttrDef::string("givenName", "The given name of the User, or first name in most Western languages."),
    AttrDef::string("middleName", "The middle name(s) of the User."),
    AttrDef::string("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages."),
    AttrDef::string("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages."),
];

const fn plural_subs_value(value: AttrDef, value_desc_type: &'static [&'static str]) -> [AttrDef; 4] {
    [
        value,
        AttrDef::string("display", "A human-readable name, primarily used for display purposes."),
        AttrDef::string("type", "A label indicating the attribute's function.").canonical(value_desc_type),
        AttrDef::boolean("primary", "A Boolean value indicating the 'primary' or preferred attribute value for this attribute."),
    ]
}

const EMAIL_SUBS: &[AttrDef] = &plural_subs_value(AttrDef::string("value", "Email address for the User."), TYPE_VALUES_EMAIL);
const PHONE_SUBS: &[AttrDef] = &plural_subs_value(AttrDef::string("value", "Phone number of the User."), TYPE_VALUES_PHONE);
const IM_SUBS: &[AttrDef] = &plural_subs_value(AttrDef::string("value", "Instant messaging address for the User."), TYPE_VALUES_IM);
const PHOTO_SUBS: &[AttrDef] =
    &plural_subs_value(AttrDef::reference("value", &["external"], "URL of a photo of the User.").case_exact(), TYPE_VALUES_PHOTO);
const ENTITLEMENT_SUBS: &[AttrDef] = &plural_subs_value(AttrDef::string("value", "The value of an entitlement."), &[]);
const ROLE_SUBS: &[AttrDef] = &plural_subs_value(AttrDef::string("value", "The value of a role."), &[]);
const X509_SUBS: &[AttrDef] =
    &plural_subs_value(AttrDef::new("value", AttrType::Binary, "The value of an X.509 certificate.").case_exact(), &[]);
const ADDRESS_SUBS: &[AttrDef] = &[
    AttrDef::string("formatted", "The full mailing address, formatted for display or use with a mailing label."),
    AttrDef::string("streetAddress", "The full street address component."),
    AttrDef::string("locality", "The city or locality component."),
    AttrDef::string("region", "The state or region component."),
    AttrDef::string("postalCode", "The zip code or postal code component."),
    AttrDef::string("country", "The country name component (ISO 3166-1 alpha-2)."),
    AttrDef::string("type", "A label indicating the attribute's function.").canonical(TYPE_VALUES_ADDRESS),
    AttrDef::boolean("primary", "A Boolean value indicating the 'primary' or preferred address."),
];
const USER_GROUP_SUBS: &[AttrDef] = &[
    AttrDef::string("value", "The identifier of the User's group.").mutability(Mutability::ReadOnly),
    AttrDef::reference("$ref", &["User", "Group"], "The URI of the corresponding 'Group' resource.").mutability(Mutability::ReadOnly),
    AttrDef::string("display", "A human-readable name, primarily used for display purposes.").mutability(Mutability::ReadOnly),
    AttrDef::string("type", "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.")
        .canonical(&["direct", "indirect"])
        .mutability(Mutability::ReadOnly),
];

const USER_ATTRIBUTES: &[AttrDef] = &[
    AttrDef::string("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Unique per tenant, case-insensitively.")
        .required()
        .unique(Uniqueness::Server),
    AttrDef::complex("name", NAME_SUBS, "The components of the user's real name."),
    AttrDef::string("displayName", "The name of the User, suitable for display to end-users."),
    AttrDef::string("nickName", "The casual way to address the user in real life."),
    AttrDef::reference("profileUrl", &["external"], "A fully qualified URL pointing to a page representing the User's online profile."),
    AttrDef::string("title", "The user's title, such as \"Vice President\"."),
    AttrDef::string("userType", "Used to identify the relationship between the organization and the user."),
    AttrDef::string("preferredLanguage", "Indicates the User's preferred written or spoken language."),
    AttrDef::string("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
    AttrDef::string("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
    AttrDef::boolean("active", "A Boolean value indicating the User's administrative status. Active users take a subscription seat."),
    AttrDef::string("password", "The User's cleartext password. Write-only: accepted and discarded, never stored or returned.")
        .mutability(Mutability::WriteOnly)
        .returned(Returned::Never),
    AttrDef::complex("emails", EMAIL_SUBS, "Email addresses for the user.").multi(),
    AttrDef::complex("phoneNumbers", PHONE_SUBS, "Phone numbers for the User.").multi(),
    AttrDef::complex("ims", IM_SUBS, "Instant messaging addresses for the User.").multi(),
    AttrDef::complex("photos", PHOTO_SUBS, "URLs of photos of the User.").multi(),
    AttrDef::complex("addresses", ADDRESS_SUBS, "A physical mailing address for this User.").multi(),
    AttrDef::complex("groups", USER_GROUP_SUBS, "A list of groups to which the user belongs, either through direct membership or through nested groups.")
        .multi()
        .mutability(Mutability::ReadOnly),
    AttrDef::complex("entitlements", ENTITLEMENT_SUBS, "A list of entitlements for the User.").multi(),
    AttrDef::complex("roles", ROLE_SUBS, "A list of roles for the User.").multi(),
    AttrDef::complex("x509Certificates", X509_SUBS, "A list of certificates issued to the User.").multi(),
];

pub static USER: SchemaDef = SchemaDef { id: USER_SCHEMA, name: "User", description: "User Account", attributes: USER_ATTRIBUTES };

const MANAGER_SUBS: &[AttrDef] = &[
    AttrDef::string("value", "The id of the SCIM resource representing the User's manager."),
    AttrDef::reference("$ref", &["User"], "The URI of the SCIM resource representing the User's manager."),
    AttrDef::string("displayName", "The displayName of the User's manager.").mutability(Mutability::ReadOnly),
];

pub static ENTERPRISE_USER: SchemaDef = SchemaDef {
    id: ENTERPRISE_USER_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        AttrDef::string(
            "employeeNumber",
            "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.",
        ),
        AttrDef::string("costCenter", "Identifies the name of a cost center."),
        AttrDef::string("organization", "Identifies the name of an organization."),
        AttrDef::string("division", "Identifies the name of a division."),
        AttrDef::string("department", "Identifies the name of a department."),
        AttrDef::complex("manager", MANAGER_SUBS, "The User's manager."),
    ],
};

const SEAT_SUBS: &[AttrDef] = &[
    AttrDef::string(
        "status",
        "assigned: the user holds a seat; pending: active but waiting for a free seat, first come first served; none: inactive.",
    )
    .case_exact()
    .canonical(&["assigned", "pending", "none"])
    .mutability(Mutability::ReadOnly),
    AttrDef::date_time("assignedAt", "When the seat was assigned.").mutability(Mutability::ReadOnly),
    AttrDef::date_time("pendingSince", "When the user started waiting for a seat.").mutability(Mutability::ReadOnly),
];

pub static SEAT: SchemaDef = SchemaDef {
    id: SEAT_SCHEMA,
    name: "LanyardSeat",
    description: "Lanyard subscription seat state of a User (read-only, maintained by Lanyard).",
    attributes: &[AttrDef::complex("seat", SEAT_SUBS, "The User's subscription seat.").mutability(Mutability::ReadOnly)],
};

// ---- Group (RFC 7643 §4.2) ----

const MEMBER_SUBS: &[AttrDef] = &[
    AttrDef::string("value", "Identifier of the member of this Group.").case_exact().mutability(Mutability::Immutable),
    AttrDef::reference("$ref", &["User", "Group"], "The URI corresponding to a SCIM resource that is a member of this Group.")
        .case_exact()
        .mutability(Mutability::Immutable),
    AttrDef::string("display", "A human-readable name for the member.").mutability(Mutability::ReadOnly),
    AttrDef::string("type", "A label indicating the type of resource, e.g., 'User' or 'Group'.")
        .canonical(&["User", "Group"])
        .mutability(Mutability::Immutable),
];

pub static GROUP: SchemaDef = SchemaDef {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attributes: &[
        AttrDef::string("displayName", "A human-readable name for the Group. Unique per tenant, case-insensitively.")
            .required()
            .unique(Uniqueness::Server),
        AttrDef::complex("members", MEMBER_SUBS, "A list of members of the Group.").multi(),
    ],
};

pub static USER_TYPE: ResourceTypeDef = ResourceTypeDef {
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: &USER,
    extensions: &[(&ENTERPRISE_USER, false), (&SEAT, false)],
};

pub static GROUP_TYPE: ResourceTypeDef =
    ResourceTypeDef { id: "Group", name: "Group", endpoint: "/Groups", description: "Group", schema: &GROUP, extensions: &[] };

pub static RESOURCE_TYPES: [&ResourceTypeDef; 2] = [&USER_TYPE, &GROUP_TYPE];
pub static SCHEMAS: [&SchemaDef; 4] = [&USER, &GROUP, &ENTERPRISE_USER, &SEAT];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_case_insensitively_with_and_without_urn() {
        let r = USER_TYPE.resolve_path(None, "USERNAME", None).map(|r| r.canonical_name());
        assert_eq!(r.as_deref(), Some("userName"));
        let r = USER_TYPE.resolve_path(Some(USER_SCHEMA), "name", Some("GIVENNAME")).map(|r| r.canonical_name());
        assert_eq!(r.as_deref(), Some("name.givenName"));
        let r = USER_TYPE.resolve_path(Some(ENTERPRISE_USER_SCHEMA), "manager", Some("value")).map(|r| r.home);
        assert_eq!(r, Some(AttrHome::Extension(ENTERPRISE_USER_SCHEMA)));
        assert!(USER_TYPE.resolve_path(None, "nope", None).is_none());
        assert!(GROUP_TYPE.resolve_path(None, "userName", None).is_none());
        assert!(USER_TYPE.resolve_path(None, "meta", Some("lastModified")).is_some());
    }

    #[test]
    fn published_attributes_carry_every_characteristic() {
        for schema in SCHEMAS {
            for a in schema.attributes {
                let j = a.to_json();
                for key in ["name", "type", "multiValued", "description", "required", "mutability", "returned"] {
                    assert!(j.get(key).is_some(), "{}.{} lacks {key}", schema.id, a.name);
                }
            }
        }
    }
}
