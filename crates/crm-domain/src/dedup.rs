//! Dedup keys: the normalised forms of phone numbers, e-mail addresses and names under which two
//! entries of the same customer collide, however differently staff typed them.
//!
//! Staff type on phones with Chinese input methods, so the same number arrives as `+86 138-0013-8000`,
//! `１３８００１３８０００` (full-width digits) or `0086 13800138000`; the same company as
//! `上海华美化妆品有限公司` or `上海 华美化妆品公司`. Each key folds those variants together.

/// Folds full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space (U+3000) to their
/// half-width equivalents; other characters are kept.
pub fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The dedup key of a phone number: its digits only, with a China country prefix (`+86`,
/// `0086`, or `86` before an 11-digit mobile number) removed. `None` when fewer than 5 digits
/// remain, which is no phone number anyone can call.
pub fn phone_key(raw: &str) -> Option<String> {
    let folded = half_width(raw);
    let trimmed = folded.trim_start();
    let international = trimmed.starts_with('+');
    let mut digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    let mobile_after = |prefix_len: usize, digits: &str| {
        digits.len() == prefix_len + 11 && digits[prefix_len..].starts_with('1')
    };
    if digits.starts_with("0086") && digits.len() > 4 {
        digits.drain(..4);
    } else if digits.starts_with("86") && (international || mobile_after(2, &digits)) {
        digits.drain(..2);
    }
    (digits.len() >= 5).then_some(digits)
}

/// The dedup key of an e-mail address: half-width, trimmed, lower-cased.
pub fn email_key(raw: &str) -> String {
    half_width(raw).trim().to_lowercase()
}

/// Chinese legal forms that do not tell two companies apart, longest first so that
/// `股份有限公司` is removed whole rather than leaving `股份`.
const CJK_LEGAL_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "公司",
];

/// Latin legal forms, removed only as whole trailing words (so `Tesco` keeps its `co`).
const LATIN_LEGAL_WORDS: &[&str] = &[
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "limited",
    "llc",
    "ltd",
];

/// The dedup key of a customer's name: half-width, lower-cased, without whitespace or
/// punctuation, and without a trailing legal form (`有限公司`, `Co., Ltd.`, `Inc.`). A name that
/// is nothing but a legal form keeps it.
pub fn name_key(raw: &str) -> String {
    let folded = half_width(raw).to_lowercase();
    let mut words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    while words.len() > 1 && words.last().is_some_and(|w| LATIN_LEGAL_WORDS.contains(w)) {
        words.pop();
    }
    let key = words.concat();
    CJK_LEGAL_SUFFIXES
        .iter()
        .find_map(|suffix| key.strip_suffix(suffix))
        .filter(|rest| !rest.is_empty())
        .map_or_else(|| key.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_forms_fold_to_half_width() {
        assert_eq!(half_width("１３８　ＡＢＣ＠ｘ．ｃｎ"), "138 ABC@x.cn");
        assert_eq!(half_width("王小明"), "王小明");
    }

    #[test]
    fn phone_variants_of_one_mobile_number_share_a_key() {
        let key = Some("13800138000".to_owned());
        for variant in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+86-13800138000",
            "008613800138000",
            "8613800138000",
            "１３８００１３８０００",
            "＋８６ １３８００１３８０００",
            "(+86) 138.0013.8000",
        ] {
            assert_eq!(phone_key(variant), key, "{variant}");
        }
    }

    #[test]
    fn landlines_and_foreign_numbers_keep_their_digits() {
        assert_eq!(phone_key("021-6234 5678").as_deref(), Some("02162345678"));
        assert_eq!(phone_key("+86 21 6234 5678").as_deref(), Some("2162345678"));
        assert_eq!(
            phone_key("+44 20 7946 0000").as_deref(),
            Some("442079460000")
        );
        // An 8-digit local number starting with 86 is not a country prefix.
        assert_eq!(phone_key("8612 3456").as_deref(), Some("86123456"));
        assert_eq!(phone_key("12-34"), None);
        assert_eq!(phone_key("call me"), None);
    }

    #[test]
    fn email_keys_ignore_case_width_and_surrounding_space() {
        assert_eq!(email_key(" Li.Na@Example.COM "), "li.na@example.com");
        assert_eq!(email_key("ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"), "li@example.com");
    }

    #[test]
    fn names_ignore_spacing_punctuation_case_and_legal_form() {
        let key = name_key("上海华美化妆品有限公司");
        assert_eq!(key, "上海华美化妆品");
        assert_eq!(name_key("上海 华美化妆品公司"), key);
        assert_eq!(name_key("上海华美化妆品股份有限公司"), key);
        let latin = name_key("Huamei Trading Co., Ltd.");
        assert_eq!(latin, "huameitrading");
        assert_eq!(name_key("HUAMEI  TRADING"), latin);
        assert_eq!(
            name_key("Ｈｕａｍｅｉ Ｔｒａｄｉｎｇ Ｃｏ．，Ｌｔｄ．"),
            latin
        );
        assert_eq!(name_key("Acme Company Limited"), "acme");
        assert_eq!(name_key("Acme Inc."), "acme");
        assert_eq!(name_key("Tesco"), "tesco");
    }

    #[test]
    fn a_name_that_is_only_a_legal_form_keeps_it() {
        assert_eq!(name_key("有限公司"), "有限公司");
        assert_eq!(name_key("Co."), "co");
    }

    #[test]
    fn people_are_keyed_by_their_whole_name() {
        assert_eq!(name_key("王 小明"), name_key("王小明"));
        assert_ne!(name_key("王小明"), name_key("王小敏"));
        assert_eq!(name_key("Anna  Lee"), name_key("anna lee"));
    }
}
