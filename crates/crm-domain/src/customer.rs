//! Validated inputs for customers, contacts and addresses: parse, don't validate.

use crate::dedup;
use crate::FieldError;

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
}
