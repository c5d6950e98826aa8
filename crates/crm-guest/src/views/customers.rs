//! Bodies and queries of `crm:records/customers` (and of the overview, its read model).

use super::rules;
use crate::customers::{AddressInput, ContactInput, CustomerPatch, CustomerQuery, NewCustomer};
use crate::names::{self, CustomerKind, Tier};
use crate::problem::Problem;
use crate::request::nullable;
use serde::Deserialize;

/// A list of [`ContactBody`] with at most one `primary` (`records::customers`' rule), as JSON
/// Schema 2020-12 says it: `contains` a primary contact at most once. utoipa has no builder for
/// `contains`, so the keywords go in through the schema's extension map, which is serialised
/// flat beside the others.
fn at_most_one_primary() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::ArrayBuilder;
    let mut contacts = ArrayBuilder::new()
        .items(utoipa::openapi::Ref::from_schema_name("ContactBody"))
        .build();
    let keywords = contacts.extensions.get_or_insert_with(Default::default);
    keywords.insert(
        "contains".to_owned(),
        serde_json::json!({
            "type": "object",
            "properties": { "primary": { "const": true } },
            "required": ["primary"],
        }),
    );
    keywords.insert("minContains".to_owned(), 0.into());
    keywords.insert("maxContains".to_owned(), 1.into());
    contacts
}

/// A contact person to record with a customer.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// Name, 1–100 characters.
    #[schema(value_type = rules::RequiredText100)]
    pub name: String,
    /// Job title, at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub title: String,
    /// Phone number; blank is none.
    #[schema(value_type = Option<rules::PhoneNumber>)]
    pub phone: Option<String>,
    /// E-mail address; blank is none.
    #[schema(value_type = Option<rules::OptionalEmailAddress>)]
    pub email: Option<String>,
    /// Whether this is the customer's main contact; at most one contact of a customer is.
    #[serde(default)]
    pub primary: bool,
}

impl From<ContactBody> for ContactInput {
    fn from(b: ContactBody) -> Self {
        Self {
            name: b.name,
            title: b.title,
            phone: b.phone,
            email: b.email,
            primary: b.primary,
        }
    }
}

/// An address to record with a customer.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    /// What the address is for, e.g. `shipping`; at most 50 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text50)]
    pub label: String,
    /// Street and number, 1–200 characters.
    #[schema(value_type = rules::RequiredText200)]
    pub street: String,
    /// City, at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub city: String,
    /// Province, at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub province: String,
    /// Postcode, at most 20 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text20)]
    pub postcode: String,
    /// ISO 3166 country code, e.g. `CN`; at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub country: String,
}

impl From<AddressBody> for AddressInput {
    fn from(b: AddressBody) -> Self {
        Self {
            label: b.label,
            street: b.street,
            city: b.city,
            province: b.province,
            postcode: b.postcode,
            country: b.country,
        }
    }
}

/// A new customer.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[serde(default = "company")]
    #[schema(value_type = CustomerKind, default = "company")]
    pub kind: String,
    /// Name, 1–200 characters.
    #[schema(value_type = rules::RequiredText200)]
    pub name: String,
    /// Main phone number; blank is none.
    #[schema(value_type = Option<rules::PhoneNumber>)]
    pub phone: Option<String>,
    /// Main e-mail address; blank is none.
    #[schema(value_type = Option<rules::OptionalEmailAddress>)]
    pub email: Option<String>,
    #[serde(default = "standard")]
    #[schema(value_type = Tier, default = "standard")]
    pub tier: String,
    /// Sales region, at most 100 characters.
    #[serde(default)]
    #[schema(value_type = rules::Text100)]
    pub region: String,
    /// Distributor, at most 100 characters; blank is none.
    #[schema(value_type = Option<rules::Text100>)]
    pub channel_partner: Option<String>,
    /// The rep to assign: an active member of staff who works with customers; a rep creating a
    /// customer is assigned when none is given.
    pub owner_id: Option<String>,
    /// Tags, each 1–40 characters, at most 20 (duplicates ignoring case count once).
    #[serde(default)]
    #[schema(value_type = Vec<rules::RequiredText40>, max_items = 20)]
    pub tags: Vec<String>,
    /// Contact persons; at most one of them `primary`.
    #[serde(default)]
    #[schema(schema_with = at_most_one_primary)]
    pub contacts: Vec<ContactBody>,
    /// Addresses.
    #[serde(default)]
    pub addresses: Vec<AddressBody>,
    /// Create even if the entry looks like an existing customer (after a 409 with candidates).
    #[serde(default)]
    pub confirm_duplicate: bool,
}

fn company() -> String {
    CustomerKind::Company.as_str().into()
}

fn standard() -> String {
    Tier::Standard.as_str().into()
}

impl CreateCustomer {
    /// The records input, and whether a likely duplicate is to be created anyway.
    pub fn into_input(self) -> Result<(NewCustomer, bool), Problem> {
        let input = NewCustomer {
            kind: names::parse::<CustomerKind>("kind", &self.kind)?.into(),
            name: self.name,
            phone: self.phone,
            email: self.email,
            tier: names::parse::<Tier>("tier", &self.tier)?.into(),
            region: self.region,
            channel_partner: self.channel_partner,
            owner_id: self.owner_id,
            tags: self.tags,
            contacts: self.contacts.into_iter().map(Into::into).collect(),
            addresses: self.addresses.into_iter().map(Into::into).collect(),
        };
        Ok((input, self.confirm_duplicate))
    }
}

/// A change to a customer: fields present are replaced, `null` clears a field that may be empty.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    #[schema(value_type = Option<CustomerKind>)]
    pub kind: Option<String>,
    /// Name, 1–200 characters.
    #[schema(value_type = Option<rules::RequiredText200>)]
    pub name: Option<String>,
    /// Main phone number; `null` or blank clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<rules::PhoneNumber>)]
    pub phone: Option<Option<String>>,
    /// Main e-mail address; `null` or blank clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<rules::OptionalEmailAddress>)]
    pub email: Option<Option<String>>,
    #[schema(value_type = Option<Tier>)]
    pub tier: Option<String>,
    /// Sales region, at most 100 characters.
    #[schema(value_type = Option<rules::Text100>)]
    pub region: Option<String>,
    /// Distributor, at most 100 characters; `null` or blank clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<rules::Text100>)]
    pub channel_partner: Option<Option<String>>,
    /// The rep to assign: an active member of staff who works with customers; `null` or blank
    /// clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub owner_id: Option<Option<String>>,
    /// Replaces all tags: each 1–40 characters, at most 20.
    #[schema(value_type = Option<Vec<rules::RequiredText40>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
}

impl UpdateCustomer {
    pub fn into_patch(self) -> Result<CustomerPatch, Problem> {
        Ok(CustomerPatch {
            kind: self
                .kind
                .map(|k| names::parse::<CustomerKind>("kind", &k).map(Into::into))
                .transpose()?,
            name: self.name,
            phone: self.phone,
            email: self.email,
            tier: self
                .tier
                .map(|t| names::parse::<Tier>("tier", &t).map(Into::into))
                .transpose()?,
            region: self.region,
            channel_partner: self.channel_partner,
            owner_id: self.owner_id,
            tags: self.tags,
        })
    }
}

/// Which customers to list, newest first.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCustomers {
    /// Search in names, phones and e-mails (normalised as for duplicates).
    pub q: Option<String>,
    /// Only customers of this rep.
    pub owner_id: Option<String>,
    /// Only customers of this region.
    pub region: Option<String>,
    /// Only customers of this tier.
    #[param(value_type = Option<Tier>)]
    pub tier: Option<String>,
    /// Only customers with this tag.
    pub tag: Option<String>,
    /// Page size, 1–200.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[param(value_type = Option<rules::PageCursor>, inline)]
    pub cursor: Option<String>,
}

impl ListCustomers {
    pub fn into_query(self) -> Result<CustomerQuery, Problem> {
        Ok(CustomerQuery {
            search: self.q,
            owner_id: self.owner_id,
            region: self.region,
            tier: self
                .tier
                .map(|t| names::parse::<Tier>("tier", &t).map(Into::into))
                .transpose()?,
            tag: self.tag,
            limit: self.limit,
            cursor: self.cursor,
        })
    }
}

/// Moves a rep's customers to another rep.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reassign {
    /// The rep whose customers move; not blank.
    #[schema(value_type = rules::NotBlank)]
    pub from_owner: String,
    /// The rep who takes them: an active member of staff who works with customers.
    pub to_owner: String,
    /// Only these customers, each assigned to `from_owner`; all of `from_owner`'s when absent.
    pub customer_ids: Option<Vec<String>>,
}

/// How many customers a reassignment moved.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Reassigned {
    pub reassigned: u32,
}

/// How much of the timeline the overview shows.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// The most recent touchpoints to show, 1–500.
    #[serde(default = "super::default_limit")]
    #[param(minimum = 1, maximum = 500, default = 50)]
    pub timeline_limit: u32,
}

/// Merges another customer into this one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Merge {
    /// The customer merged away (not this one): everything it has moves to this one.
    pub merge_id: String,
    /// Show what the merge would do, changing nothing.
    #[serde(default)]
    pub dry_run: bool,
}
