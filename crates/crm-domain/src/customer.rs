//! Validated inputs for customers, contacts and addresses: parse, don't validate.

use crate::dedup;
use crate::staff::{DisplayName, Email};
use crate::{FieldError, InputError};

crate::named_enum! {
    /// Whether a customer is an organisation or a private person.
    pub enum CustomerKind as "customer kind" {
        Company = "company",
        Person = "person",
    }
}

crate::named_enum! {
    /// What a customer import did with one row.
    pub enum ImportStatus as "import status" {
        Created = "created",
        Merged = "merged",
        Rejected = "rejected",
    }
}

crate::named_enum! {
    /// The service tier of a customer; SLA policies and remedies may depend on it.
    pub enum Tier as "tier" {
        Standard = "standard",
        Silver = "silver",
        Gold = "gold",
        Platinum = "platinum",
    }
}

/// A phone number as typed (trimmed, half-width) together with its dedup key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    shown: String,
    key: String,
}

impl Phone {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let shown = dedup::half_width(raw).trim().to_owned();
        let allowed = |c: char| c.is_ascii_digit() || " +-().".contains(c);
        if shown.chars().count() > 40 || !shown.chars().all(allowed) {
            return Err(FieldError::new(
                field,
                "must be a phone number: digits, spaces and + - ( ) . only, at most 40 characters",
            ));
        }
        let key = dedup::phone_key(&shown)
            .ok_or_else(|| FieldError::new(field, "must have at least 5 digits"))?;
        Ok(Self { shown, key })
    }

    /// The number as the user typed it, for display and dialling.
    pub fn as_str(&self) -> &str {
        &self.shown
    }

    /// The normalised digits two entries of the same number share.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// An optional free-text field such as a region or a job title: trimmed, at most `max`
/// characters, no control characters. Empty means not given.
pub fn parse_text(field: &'static str, raw: &str, max: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

/// A required free-text field such as a name or a street: like [`parse_text`], but not empty.
pub fn parse_required_text(
    field: &'static str,
    raw: &str,
    max: usize,
) -> Result<String, FieldError> {
    let text = parse_text(field, raw, max)?;
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    Ok(text)
}

/// The most tags one customer can carry.
pub const MAX_TAGS: usize = 20;

/// Tags: each trimmed, 1–40 characters; duplicates removed, first spelling kept, order kept.
pub fn parse_tags(field: &'static str, raw: &[String]) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = parse_text(field, tag, 40)?;
        if tag.is_empty() {
            return Err(FieldError::new(field, "tags must not be empty"));
        }
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(FieldError::new(
            field,
            format!("must have at most {MAX_TAGS} tags"),
        ));
    }
    Ok(tags)
}

/// An empty or absent phone is no phone; any other must be one.
pub fn optional_phone(field: &'static str, raw: Option<&str>) -> Result<Option<Phone>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Phone::parse(field, raw).map(Some),
        None => Ok(None),
    }
}

/// An empty or absent e-mail address is none; any other must be one.
pub fn optional_email(field: &'static str, raw: Option<&str>) -> Result<Option<Email>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Email::parse(field, raw).map(Some),
        None => Ok(None),
    }
}

/// An optional free text of at most `max` characters; empty or absent is none.
pub fn optional_text(
    field: &'static str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    Ok(raw
        .map(|raw| parse_text(field, raw, max))
        .transpose()?
        .filter(|s| !s.is_empty()))
}

/// A contact person of a customer, as it was sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactDraft<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub primary: bool,
}

/// A contact whose every field passed its rule: a name of 1–200 characters, a title of at most
/// 100, and a phone and an e-mail address if given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub name: String,
    pub title: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub primary: bool,
}

impl NewContact {
    /// Parses the whole contact; an error names its field (`name`, `title`, `phone`, `email`).
    pub fn parse(draft: ContactDraft<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            name: DisplayName::parse("name", draft.name)?.as_str().to_owned(),
            title: parse_text("title", draft.title, 100)?,
            phone: optional_phone("phone", draft.phone)?,
            email: optional_email("email", draft.email)?,
            primary: draft.primary,
        })
    }
}

/// An address, as it was sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct AddressDraft<'a> {
    pub label: &'a str,
    pub street: &'a str,
    pub city: &'a str,
    pub province: &'a str,
    pub postcode: &'a str,
    pub country: &'a str,
}

/// An address whose every field passed its rule: a street of 1–200 characters; a label of at
/// most 50, a city, province and country of at most 100 and a postcode of at most 20.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAddress {
    pub label: String,
    pub street: String,
    pub city: String,
    pub province: String,
    pub postcode: String,
    pub country: String,
}

impl NewAddress {
    /// Parses the whole address; an error names its field (`street`, `city`…).
    pub fn parse(draft: AddressDraft<'_>) -> Result<Self, FieldError> {
        Ok(Self {
            label: parse_text("label", draft.label, 50)?,
            street: parse_required_text("street", draft.street, 200)?,
            city: parse_text("city", draft.city, 100)?,
            province: parse_text("province", draft.province, 100)?,
            postcode: parse_text("postcode", draft.postcode, 20)?,
            country: parse_text("country", draft.country, 100)?,
        })
    }
}

/// A new customer's own fields with its contacts and addresses, as they were sent (its kind,
/// tier and owner are chosen from lists and checked where they are stored).
#[derive(Debug, Clone, Default)]
pub struct CustomerDraft<'a> {
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub region: &'a str,
    pub channel_partner: Option<&'a str>,
    pub tags: &'a [String],
    pub contacts: Vec<ContactDraft<'a>>,
    pub addresses: Vec<AddressDraft<'a>>,
}

/// A new customer whose every field passed its rule, parsed whole and once: a name of 1–200
/// characters, a phone and an e-mail address if given, a region and channel partner of at most
/// 100 characters, [`parse_tags`]' tags; its contacts, of which at most one is primary (the
/// first is when none is), primary first; its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub name: String,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub region: String,
    pub channel_partner: Option<String>,
    pub tags: Vec<String>,
    pub contacts: Vec<NewContact>,
    pub addresses: Vec<NewAddress>,
}

impl NewCustomer {
    /// Parses the whole customer. The contacts and addresses come first, so an error in one of
    /// them is named by its place (`contacts[1].phone`); then the customer's own fields.
    pub fn parse(draft: CustomerDraft<'_>) -> Result<Self, InputError> {
        let mut contacts = draft
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| NewContact::parse(*c).map_err(|e| e.within("contacts", i)))
            .collect::<Result<Vec<_>, _>>()?;
        match contacts.iter().filter(|c| c.primary).count() {
            0 => {
                if let Some(first) = contacts.first_mut() {
                    first.primary = true;
                }
            }
            1 => {}
            _ => {
                return Err(
                    FieldError::new("contacts", "at most one contact can be primary").into(),
                )
            }
        }
        // Stored and shown with the primary contact first (a stable sort keeps the rest).
        contacts.sort_by_key(|c| !c.primary);
        let addresses = draft
            .addresses
            .iter()
            .enumerate()
            .map(|(i, a)| NewAddress::parse(*a).map_err(|e| e.within("addresses", i)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            name: parse_required_text("name", draft.name, 200)?,
            phone: optional_phone("phone", draft.phone)?,
            email: optional_email("email", draft.email)?,
            region: parse_text("region", draft.region, 100)?,
            channel_partner: optional_text("channel_partner", draft.channel_partner, 100)?,
            tags: parse_tags("tags", draft.tags)?,
            contacts,
            addresses,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_what_was_typed_and_key_the_digits() {
        let phone = Phone::parse("phone", " ＋８６ 138-0013-8000 ").unwrap();
        assert_eq!(phone.as_str(), "+86 138-0013-8000");
        assert_eq!(phone.key(), "13800138000");
        assert_eq!(Phone::parse("phone", "138x").unwrap_err().field, "phone");
        assert!(Phone::parse("phone", "12-34").is_err());
        assert!(Phone::parse("phone", &"1".repeat(41)).is_err());
    }

    #[test]
    fn tags_are_trimmed_deduplicated_and_bounded() {
        let raw = vec![" vip ".to_owned(), "VIP".to_owned(), "华东".to_owned()];
        assert_eq!(parse_tags("tags", &raw).unwrap(), vec!["vip", "华东"]);
        assert!(parse_tags("tags", &["".to_owned()]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(parse_tags("tags", &many).is_err());
        assert!(parse_tags("tags", &["x".repeat(41)]).is_err());
    }

    #[test]
    fn tiers_and_kinds_parse_from_their_names() {
        assert_eq!("gold".parse::<Tier>(), Ok(Tier::Gold));
        let unknown = "diamond".parse::<Tier>().unwrap_err().to_string();
        assert!(
            unknown.contains("standard, silver, gold, platinum"),
            "{unknown}"
        );
        assert_eq!("person".parse::<CustomerKind>(), Ok(CustomerKind::Person));
    }

    fn contact(name: &'static str, primary: bool) -> ContactDraft<'static> {
        ContactDraft {
            name,
            primary,
            ..ContactDraft::default()
        }
    }

    #[test]
    fn a_new_customer_is_parsed_whole_and_errors_name_their_place() {
        let tags = vec!["vip".to_owned(), "VIP".to_owned(), "north".to_owned()];
        let parsed = NewCustomer::parse(CustomerDraft {
            name: "  华美商贸 ",
            phone: Some(" 021-5555 0101 "),
            email: Some(""),
            region: "East",
            channel_partner: Some("  "),
            tags: &tags,
            contacts: vec![contact("Li Na", false), contact("Wang Wei", true)],
            addresses: vec![AddressDraft {
                street: " 88 Nanjing Road ",
                city: "Shanghai",
                ..AddressDraft::default()
            }],
        })
        .unwrap();
        assert_eq!(parsed.name, "华美商贸");
        assert_eq!(parsed.phone.as_ref().map(Phone::key), Some("02155550101"));
        assert_eq!(parsed.email, None);
        assert_eq!(parsed.channel_partner, None);
        assert_eq!(parsed.tags, ["vip", "north"]);
        // The primary contact first.
        let names: Vec<_> = parsed
            .contacts
            .iter()
            .map(|c| (c.name.as_str(), c.primary))
            .collect();
        assert_eq!(names, [("Wang Wei", true), ("Li Na", false)]);
        assert_eq!(parsed.addresses[0].street, "88 Nanjing Road");

        // Without a primary contact, the first is.
        let first = NewCustomer::parse(CustomerDraft {
            name: "A",
            contacts: vec![contact("Li Na", false), contact("Wang Wei", false)],
            ..CustomerDraft::default()
        })
        .unwrap();
        assert!(first.contacts[0].primary && !first.contacts[1].primary);

        let error = |draft: CustomerDraft<'_>| NewCustomer::parse(draft).unwrap_err().field;
        let bad_phone = ContactDraft {
            phone: Some("call me"),
            ..contact("Li Na", false)
        };
        assert_eq!(
            error(CustomerDraft {
                name: "A",
                contacts: vec![contact("Wang Wei", false), bad_phone],
                ..CustomerDraft::default()
            }),
            "contacts[1].phone"
        );
        assert_eq!(
            error(CustomerDraft {
                name: "A",
                addresses: vec![AddressDraft::default()],
                ..CustomerDraft::default()
            }),
            "addresses[0].street"
        );
        assert_eq!(
            error(CustomerDraft {
                name: "A",
                contacts: vec![contact("Li Na", true), contact("Wang Wei", true)],
                ..CustomerDraft::default()
            }),
            "contacts"
        );
        assert_eq!(error(CustomerDraft::default()), "name");
        assert_eq!(
            error(CustomerDraft {
                name: "A",
                email: Some("not an address"),
                ..CustomerDraft::default()
            }),
            "email"
        );
    }
}
