//! What the API accepts, field by field, as JSON Schema for its OpenAPI document.
//!
//! Schemathesis holds the document to the running API both ways: every request the document
//! allows must be accepted, and every request it forbids must be refused. So each pattern here
//! mirrors a rule the code applies (`crm-domain`, at its call sites in `records`) as exactly as
//! a regular expression can; where it cannot, it is stricter, and its doc comment says how.
//! The rules trim with Rust's `str::trim` (Unicode `White_Space`) and refuse Rust's
//! `char::is_control` (U+0000–001F, U+007F–009F), so the patterns spell both out.
//!
//! The patterns are ECMA-262 that Python's `re` (which generates requests from them) and Rust's
//! `regex` (which validates them) read alike: character classes, counted repetition and
//! non-capturing groups; no lookaround, and no `\d`, `\s` or `.`, whose meaning differs between
//! the engines.
//!
//! utoipa 5 takes only a string literal for `#[schema(pattern = ...)]`, so the patterns reach
//! the document through the small schema types at the end of this module: a field names one
//! with `#[schema(value_type = rules::PhoneNumber)]` (a `$ref` to a named component) or, in
//! query and header parameters, `#[param(value_type = rules::PageCursor, inline)]`.

// ---------------------------------------------------------------------------------------------
// Character classes: `concat!` needs literals, so the pieces are macros.

macro_rules! whitespace {
    () => {
        r"[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    };
}
macro_rules! not_whitespace {
    () => {
        r"[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    };
}
macro_rules! not_control {
    () => {
        r"[^\u0000-\u001F\u007F-\u009F]"
    };
}
macro_rules! visible {
    () => {
        r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]"
    };
}
macro_rules! phone_separator {
    () => {
        r"[ +().\-]"
    };
}
macro_rules! phone_mark {
    () => {
        r"[+().\-]"
    };
}
/// One more digit, after any separators.
macro_rules! phone_digit {
    () => {
        concat!("(?:", phone_separator!(), "*[0-9])")
    };
}
/// The digits of a number `dedup::phone_key` keeps at least 5 of: 5 or more, but 9 or more after
/// `0086` (which it drops), and after `dom_or_intl` = `intl`, 7 or more after `86` (which it
/// drops from a number that starts with `+`).
macro_rules! phone_digits {
    (dom) => {
        concat!("(?:[1-9]", phone_digit!(), "{4,}", phone_digits!(zero))
    };
    (intl) => {
        concat!(
            "(?:[1-79]",
            phone_digit!(),
            "{4,}|8",
            phone_separator!(),
            "*[0-57-9]",
            phone_digit!(),
            "{3,}|8",
            phone_separator!(),
            "*6",
            phone_digit!(),
            "{5,}",
            phone_digits!(zero)
        )
    };
    // The alternatives that start with 0, closing the group: 0086 wants 5 more digits.
    (zero) => {
        concat!(
            "|0",
            phone_separator!(),
            "*[1-9]",
            phone_digit!(),
            "{3,}|0",
            phone_separator!(),
            "*0",
            phone_separator!(),
            "*[0-79]",
            phone_digit!(),
            "{2,}|0",
            phone_separator!(),
            "*0",
            phone_separator!(),
            "*8",
            phone_separator!(),
            "*[0-57-9]",
            phone_digit!(),
            "+|0",
            phone_separator!(),
            "*0",
            phone_separator!(),
            "*8",
            phone_separator!(),
            "*6",
            phone_digit!(),
            "{5,})"
        )
    };
}
macro_rules! email_address {
    () => {
        r"[\x21-\x3F\x41-\x7E]+@[\x21-\x2D\x2F-\x3F\x41-\x7E]+(?:\.[\x21-\x2D\x2F-\x3F\x41-\x7E]+)+"
    };
}
/// Month and day of a valid date, February up to the 28th (the 29th is `leap_day!`).
macro_rules! month_day {
    () => {
        concat!(
            "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
            "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
            "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
        )
    };
}
macro_rules! time_of_day {
    () => {
        concat!(
            "[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?",
            "(?:[Zz]|[+\\-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
        )
    };
}

/// One character `str::trim` removes.
pub const WHITESPACE: &str = whitespace!();
/// One character that is not a control character.
pub const NOT_CONTROL: &str = not_control!();
/// One character that is neither a control character nor whitespace.
pub const VISIBLE: &str = visible!();

/// `customer::parse_text(field, raw, max)` (also `staff::parse_label`, max 100): at most `max`
/// characters once trimmed, no control characters in what is left; empty is fine. The length is
/// counted inside the pattern, as the rule counts it (after trimming), so such a field has no
/// `maxLength`.
pub fn text(max: usize) -> String {
    // Callers pass limits of 2 characters or more; a smaller one only narrows the pattern.
    let inner = max.saturating_sub(2);
    format!("^{WHITESPACE}*(?:{VISIBLE}(?:{NOT_CONTROL}{{0,{inner}}}{VISIBLE})?)?{WHITESPACE}*$")
}

/// `customer::parse_required_text(field, raw, max)` and `staff::DisplayName` (max 100): like
/// [`text`], but not empty once trimmed. Tags (40) and open items (200) are such texts.
pub fn required_text(max: usize) -> String {
    // As in `text`: limits are 2 characters or more.
    let inner = max.saturating_sub(2);
    format!("^{WHITESPACE}*{VISIBLE}(?:{NOT_CONTROL}{{0,{inner}}}{VISIBLE})?{WHITESPACE}*$")
}

/// An optional phone number (`customers::optional_phone`: blank is no phone, else
/// `customer::Phone::parse`): once trimmed, digits, spaces and `+ - ( ) .`, with enough digits
/// that `dedup::phone_key` keeps at least 5 after removing a China prefix (`0086`, or `86` in a
/// number that starts with `+`). Stricter than the rule only in leaving out the full-width forms
/// it folds. The 40-character limit is [`PHONE_LENGTH`], a second pattern.
pub const PHONE: &str = concat!(
    "^",
    whitespace!(),
    "*(?:(?:\\+",
    phone_separator!(),
    "*",
    phone_digits!(intl),
    "|(?:[().\\-]",
    phone_separator!(),
    "*)?",
    phone_digits!(dom),
    ")(?:",
    phone_separator!(),
    "*",
    phone_mark!(),
    ")?)?",
    whitespace!(),
    "*$"
);

/// [`PHONE`] without its blank: a phone number must be given (the public lead form's phone
/// when no e-mail is).
pub const REQUIRED_PHONE: &str = concat!(
    "^",
    whitespace!(),
    "*(?:\\+",
    phone_separator!(),
    "*",
    phone_digits!(intl),
    "|(?:[().\\-]",
    phone_separator!(),
    "*)?",
    phone_digits!(dom),
    ")(?:",
    phone_separator!(),
    "*",
    phone_mark!(),
    ")?",
    whitespace!(),
    "*$"
);

/// At most 40 characters of a phone number once trimmed; blank is fine.
pub const PHONE_LENGTH: &str = concat!(
    "^",
    whitespace!(),
    r"*(?:[0-9 +().\-]{1,40})?",
    whitespace!(),
    "*$"
);

/// `staff::Email::parse`: once trimmed, `local@domain.tld` without whitespace or control
/// characters, every label of the domain non-empty. Stricter than the rule: printable ASCII
/// only, so that its 254-byte limit is [`EMAIL_LENGTH`]'s 254 characters.
pub const EMAIL: &str = concat!(
    "^",
    whitespace!(),
    "*",
    email_address!(),
    whitespace!(),
    "*$"
);

/// At most 254 printable ASCII characters once trimmed.
pub const EMAIL_LENGTH: &str = concat!(
    "^",
    whitespace!(),
    r"*[\x21-\x7E]{1,254}",
    whitespace!(),
    "*$"
);

/// An optional e-mail address (`customers::optional_email`): blank is none, else [`EMAIL`].
pub const OPTIONAL_EMAIL: &str = concat!(
    "^",
    whitespace!(),
    "*(?:",
    email_address!(),
    ")?",
    whitespace!(),
    "*$"
);

/// At most 254 printable ASCII characters once trimmed; blank is fine.
pub const OPTIONAL_EMAIL_LENGTH: &str = concat!(
    "^",
    whitespace!(),
    r"*(?:[\x21-\x7E]{1,254})?",
    whitespace!(),
    "*$"
);

/// `records::orders::parse_day`: a valid `YYYY-MM-DD` (Gregorian leap years included). Stricter
/// than the rule only in refusing surrounding whitespace.
pub const DAY: &str = concat!(
    "^(?:[0-9]{4}-",
    month_day!(),
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$"
);

/// `crm_domain::calendar::parse_minute` (a calendar's working hours): `HH:MM` from `00:00` to
/// `23:59`, or `24:00` (which may only end an interval, a rule of the day the pattern leaves to
/// the calendar). Stricter than the rule only in refusing surrounding whitespace.
pub const CLOCK_TIME: &str = r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";

/// `time::parse_instant`: a date, or RFC 3339 with seconds, optional fraction and `Z` or an
/// offset. Stricter than the rule: no surrounding whitespace, and the years 1000–8999 only, so
/// that no offset moves the instant out of four-digit years when it is stored as `rfc3339_utc`.
pub const INSTANT: &str = concat!(
    "^(?:[1-8][0-9]{3}-",
    month_day!(),
    "|(?:[1-8][0-9](?:0[48]|[2468][048]|[13579][26])|(?:1[26]|[2468][048]|[357][26])00)-02-29)",
    "(?:",
    time_of_day!(),
    ")?$"
);

/// [`INSTANT`] that `activity::check_not_future` takes whatever the server's clock says: the
/// years 1000–2025 only (a fixed cutoff: the document cannot follow the clock).
pub const PAST_INSTANT: &str = concat!(
    "^(?:(?:1[0-9]{3}|20[01][0-9]|202[0-5])-",
    month_day!(),
    "|(?:1[0-9](?:0[48]|[2468][048]|[13579][26])|1[26]00|20(?:0[048]|1[26]|2[04]))-02-29)",
    "(?:",
    time_of_day!(),
    ")?$"
);

/// `orders::parse_sku`: 1–40 ASCII letters, digits, `-`, `_` and `.` once trimmed. Stricter
/// than the rule only in leaving out the full-width forms it folds.
pub const SKU: &str = concat!(
    "^",
    whitespace!(),
    r"*[0-9A-Za-z._\-]{1,40}",
    whitespace!(),
    "*$"
);

/// A page cursor (`records::db::parse_cursor`): `<sort key>|<id>`, so anything with a `|`.
pub const PAGE_CURSOR: &str = r"\|";

/// An audit log cursor (`records::audit::read_log`): the `seq` to continue before, an `i64`.
pub const AUDIT_CURSOR: &str = r"^[+\-]?[0-9]{1,18}$";

/// A report table's cursor (`records::reports::page_start`): the rows before the page, a `u32`
/// (stricter: up to 9 digits).
pub const REPORT_CURSOR: &str = r"^[0-9]{1,9}$";

/// Anything but blank (`str::trim` leaves something).
pub const NOT_BLANK: &str = not_whitespace!();

/// An `Idempotency-Key` (`request::idempotency_key`, then `records::idempotency::check_key`):
/// 1–255 printable ASCII characters, inner spaces allowed; a key in double quotes is taken
/// without them, so `""` alone is refused.
pub const IDEMPOTENCY_KEY: &str =
    r#"^(?:[!-~]|[!#-~][ -~]{0,253}[!-~]|"[ -~]{0,253}[!#-~]|"[ -~]{1,253}")$"#;

/// An `If-Match` (`request::if_match_version`): a version as this API's ETags spell it, `"3"`
/// (also weak, `W/"3"`, or bare, `3`), up to 9 digits.
pub const IF_MATCH: &str = r#"^(?:W/)*"*\+?[0-9]{1,9}"*$"#;

/// A webhook's URL (`crm_domain::webhook::parse_url`): `http://` or `https://`; a host of
/// dot-separated labels of 1–63 letters, digits and `-` (not at either end); an optional port
/// 1–65535 without a leading zero; then optionally a path or query of RFC 3986 characters,
/// `%` only before two hex digits. Its 2000-character limit is the schema's `maxLength`. Looser
/// than the rule only in not refusing the application's own hosts (`self.alt`,
/// `*.spin.internal`), which a pattern without lookaround cannot exclude.
pub const WEBHOOK_URL: &str = concat!(
    r"^https?://",
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?",
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*",
    r"(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}",
    r"|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?",
    r"(?:[/?](?:[A-Za-z0-9._~!$&'()*+,;=:@/?\-]|%[0-9A-Fa-f]{2})*)?$"
);

/// A CSV file whose header line names only `columns`, `required` among them, in any order,
/// lower-case and unquoted; what follows the first line break is not constrained (a bad row is
/// reported in the answer, not refused; `[\s\S]` is any character in every engine). Column names
/// are `[a-z_]` and need no escaping.
pub fn csv_with_header(columns: &[&str], required: &str) -> String {
    let any = columns.join("|");
    format!(r"^(?:(?:{any}),)*{required}(?:,(?:{any}))*(?:\r?\n[\s\S]*)?$")
}

// ---------------------------------------------------------------------------------------------
// Schemas: the rules as named components (`value_type = rules::X` in a body) or inline schemas
// (`value_type = rules::X, inline` in a query or header parameter).

use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{
    AllOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;

fn string(pattern: impl Into<String>, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
}

/// Declares a unit type whose schema is `$schema`; it is a component named after the type.
macro_rules! schema_type {
    ($(#[$meta:meta])* $name:ident => $schema:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema.into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

/// Declares free-text types: `Text<max>` for [`text`], `RequiredText<max>` for
/// [`required_text`].
macro_rules! text_types {
    ($($name:ident => $max:literal;)+) => {$(
        schema_type! {
            #[doc = concat!("[`text`] of at most ", $max, " characters.")]
            $name => string(
                text($max),
                concat!("At most ", $max, " characters once trimmed, no control characters; may be empty."),
            )
        }
    )+};
}

macro_rules! required_text_types {
    ($($name:ident => $max:literal;)+) => {$(
        schema_type! {
            #[doc = concat!("[`required_text`] of at most ", $max, " characters.")]
            $name => string(
                required_text($max),
                concat!("1–", $max, " characters once trimmed, no control characters."),
            )
        }
    )+};
}

text_types! {
    Text20 => 20;
    Text40 => 40;
    Text50 => 50;
    Text100 => 100;
    Text200 => 200;
    Text500 => 500;
    Text1000 => 1000;
    Text2000 => 2000;
    Text4000 => 4000;
}

required_text_types! {
    RequiredText40 => 40;
    RequiredText100 => 100;
    RequiredText200 => 200;
    RequiredText500 => 500;
    RequiredText2000 => 2000;
    RequiredText4000 => 4000;
}

schema_type! {
    /// [`PHONE`] and [`PHONE_LENGTH`].
    PhoneNumber => AllOfBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "A phone number: digits, spaces and `+ - ( ) .`, at most 40 characters, at least 5 \
             digits besides a China prefix (`0086`, or `86` after `+`); blank is none.",
        ))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(PHONE)))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(PHONE_LENGTH)))
}

schema_type! {
    /// [`REQUIRED_PHONE`] and [`PHONE_LENGTH`].
    RequiredPhoneNumber => AllOfBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "A phone number: digits, spaces and `+ - ( ) .`, at most 40 characters, at least 5 \
             digits besides a China prefix (`0086`, or `86` after `+`).",
        ))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(REQUIRED_PHONE)))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(PHONE_LENGTH)))
}

schema_type! {
    /// [`EMAIL`] and [`EMAIL_LENGTH`].
    EmailAddress => AllOfBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "An e-mail address `name@example.com`, at most 254 printable ASCII characters.",
        ))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(EMAIL)))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(EMAIL_LENGTH)))
}

schema_type! {
    /// [`OPTIONAL_EMAIL`] and [`OPTIONAL_EMAIL_LENGTH`].
    OptionalEmailAddress => AllOfBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "An e-mail address `name@example.com`, at most 254 printable ASCII characters; \
             blank is none.",
        ))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(OPTIONAL_EMAIL)))
        .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(OPTIONAL_EMAIL_LENGTH)))
}

schema_type! {
    /// [`DAY`].
    Day => string(DAY, "A day, `YYYY-MM-DD`.")
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
}

schema_type! {
    /// [`CLOCK_TIME`].
    ClockTime => string(
        CLOCK_TIME,
        "A local time of day, `HH:MM` from `00:00` to `24:00` (`24:00` ends the day).",
    )
}

schema_type! {
    /// [`INSTANT`].
    Instant => string(
        INSTANT,
        "A day (`2026-11-23`, meaning 00:00 UTC) or an RFC 3339 time with seconds and `Z` or an \
         offset (`2026-11-23T09:30:00+08:00`), in the years 1000–8999.",
    )
}

schema_type! {
    /// [`PAST_INSTANT`].
    PastInstant => string(
        PAST_INSTANT,
        "A day (`2025-11-23`, meaning 00:00 UTC) or an RFC 3339 time with seconds and `Z` or an \
         offset (`2025-11-23T09:30:00+08:00`), not in the future; the document allows the years \
         1000–2025.",
    )
}

schema_type! {
    /// [`SKU`].
    Sku => string(
        SKU,
        "A stock-keeping unit: 1–40 letters, digits, `-`, `_` and `.`; unique ignoring case, and \
         stored upper-case.",
    )
}

schema_type! {
    /// [`PAGE_CURSOR`].
    PageCursor => string(PAGE_CURSOR, "The `next_cursor` of the previous page.")
}

schema_type! {
    /// [`AUDIT_CURSOR`].
    AuditCursor => string(AUDIT_CURSOR, "The `next_cursor` of the previous page of the log.")
}

schema_type! {
    /// [`REPORT_CURSOR`].
    ReportCursor => string(REPORT_CURSOR, "The `next_cursor` of the previous page.")
}

schema_type! {
    /// [`NOT_BLANK`].
    NotBlank => string(NOT_BLANK, "Not blank.")
}

schema_type! {
    /// [`IDEMPOTENCY_KEY`].
    IdempotencyKey => string(
        IDEMPOTENCY_KEY,
        "1–255 printable ASCII characters, e.g. a UUID; may be in double quotes.",
    )
}

schema_type! {
    /// [`IF_MATCH`].
    IfMatch => string(IF_MATCH, "An ETag this API returned, e.g. `\"3\"`.")
}

schema_type! {
    /// [`WEBHOOK_URL`], at most `crm_domain::webhook::MAX_URL_LEN` characters.
    WebhookUrl => string(
        WEBHOOK_URL,
        "Where deliveries are POSTed: `http://` or `https://`, a host name or IPv4 address, an \
         optional port (1–65535), and an optional path and query of visible ASCII (anything else \
         percent-encoded); no user info, no fragment; at most 2000 characters. Not a host of the \
         application itself (`self.alt`, `*.spin.internal`).",
    )
    .max_length(Some(crm_domain::webhook::MAX_URL_LEN))
}

schema_type! {
    /// A notification topic a webhook takes (`crm_domain::webhook::TOPICS`), or `*` for all.
    WebhookTopic => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            crm_domain::webhook::TOPICS
                .iter()
                .copied()
                .chain([crm_domain::webhook::ANY_TOPIC]),
        ))
        .description(Some("A notification topic, or `*` for every topic."))
}

schema_type! {
    /// An amount in minor units (fen/cents): 0 up to `orders::MAX_UNIT_PRICE`, as
    /// `orders::parse_unit_price` takes it (prices and expected values alike).
    MinorUnits => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        // Through f64: utoipa's integer bounds are `isize`, 32 bits on wasm32.
        .maximum(Some(crm_domain::orders::MAX_UNIT_PRICE as f64))
        .description(Some("Minor units (fen/cents), 0 up to 10^10."))
}

schema_type! {
    /// An ordered quantity, as `orders::parse_quantity` takes it.
    Quantity => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(f64::from(crm_domain::orders::MAX_QUANTITY)))
        .description(Some("Units, 1 up to 10^6."))
}

schema_type! {
    /// A change to a product's stock, as `orders::adjust_stock` takes it: any `i32` but 0.
    StockChange => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(i32::MIN))
        .maximum(Some(i32::MAX))
        // JSON Schema's `not`, which utoipa's builder does not spell, as a raw keyword.
        .extensions(Some(Extensions::from_iter([(
            "not",
            serde_json::json!({ "const": 0 }),
        )])))
        .description(Some(
            "Units to add, or to take out when negative: a 32-bit integer, not 0.",
        ))
}

schema_type! {
    /// How many visits a sample draws: 1 up to `verification::MAX_SAMPLE`.
    SampleSize => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(1))
        .maximum(Some(f64::from(crm_domain::verification::MAX_SAMPLE)))
        .description(Some("How many visits to draw, 1–200."))
}

schema_type! {
    /// Any `u32`. Not `format: int32`, whose range (`i32`) schemathesis would impose instead of
    /// the maximum.
    U32 => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(0))
        .maximum(Some(f64::from(u32::MAX)))
        .description(Some("An unsigned 32-bit integer."))
}

schema_type! {
    /// Any `u64`. utoipa spells bounds as `isize` (32 bits on wasm32) or `f64` (which rounds
    /// `u64::MAX` up to 2^64, and validators then let 2^64 through), so the maximum is written
    /// as a raw keyword; and not `format: int64`, whose range (`i64`) schemathesis would impose
    /// instead of the maximum.
    U64 => ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::Custom("uint64".into())))
        .minimum(Some(0))
        .extensions(Some(Extensions::from_iter([("maximum", u64::MAX)])))
        .description(Some("An unsigned 64-bit integer."))
}
