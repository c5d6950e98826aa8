//! Validated inputs for staff records: parse, don't validate.

use crate::FieldError;

/// A display name: trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if name.chars().count() > 100 {
            return Err(FieldError::new(field, "must be at most 100 characters"));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, lower-cased. The check is deliberately shallow (one `@`, a dotted domain,
/// no spaces): the only real test of an address is mail reaching it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let invalid = || FieldError::new(field, "must be an e-mail address like name@example.com");
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A free-text label such as a token's device name: trimmed, at most 100 characters.
pub fn parse_label(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let label = raw.trim();
    if label.chars().count() > 100 {
        return Err(FieldError::new(field, "must be at most 100 characters"));
    }
    if label.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(label.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("name", "  王小明 ").unwrap().as_str(),
            "王小明"
        );
        assert_eq!(DisplayName::parse("name", "   ").unwrap_err().field, "name");
        assert!(DisplayName::parse("name", &"x".repeat(101)).is_err());
        assert!(DisplayName::parse("name", &"名".repeat(100)).is_ok());
        assert!(DisplayName::parse("name", "a\u{0}b").is_err());
    }

    #[test]
    fn emails_are_lowercased_and_shallowly_checked() {
        assert_eq!(
            Email::parse("email", " Li.Na@Example.COM ")
                .unwrap()
                .as_str(),
            "li.na@example.com"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "@example.com",
            "a@@example.com",
            "a b@example.com",
            "a@example.",
        ] {
            assert!(
                Email::parse("email", bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn labels_may_be_empty_but_not_long() {
        assert_eq!(parse_label("label", " phone ").unwrap(), "phone");
        assert_eq!(parse_label("label", "").unwrap(), "");
        assert!(parse_label("label", &"x".repeat(101)).is_err());
    }
}
