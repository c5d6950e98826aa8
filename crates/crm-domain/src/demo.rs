//! Demo data: a deterministic, realistic set of staff, products, customers, orders and visits
//! for newcomers and benchmarks. Customer `i` of seed `s` is always the same customer, so a large
//! set can be written in chunks and a run reproduced exactly.

use crate::random::SplitMix64;
use crate::role::Role;

/// The demo staff: name, e-mail and role. Customers are assigned to the reps among them.
pub const STAFF: &[(&str, &str, Role)] = &[
    ("王伟", "wang.wei@demo.example", Role::Rep),
    ("赵敏", "zhao.min@demo.example", Role::Rep),
    ("Chen Jie", "chen.jie@demo.example", Role::Rep),
    ("Emily Zhang", "emily.zhang@demo.example", Role::Rep),
    ("孙丽", "sun.li@demo.example", Role::Agent),
    ("李娜", "li.na@demo.example", Role::ServiceLead),
    ("周刚", "zhou.gang@demo.example", Role::SalesGm),
    ("钱芳", "qian.fang@demo.example", Role::Finance),
    ("Liu Yang", "liu.yang@demo.example", Role::Warehouse),
];

/// The demo catalogue: SKU, name, list price in fen.
pub const PRODUCTS: &[(&str, &str, i64)] = &[
    ("HM-CREAM-50", "保湿霜 50ml", 12_950),
    ("HM-LOTION-200", "润肤露 200ml", 8_800),
    ("HM-SERUM-30", "精华液 30ml", 25_800),
    ("HM-MASK-10", "面膜 10 片装", 9_900),
    ("HM-SUN-60", "防晒乳 SPF50 60ml", 15_800),
    ("HM-CLEAN-150", "洁面乳 150ml", 6_800),
    ("HM-TONER-200", "爽肤水 200ml", 11_800),
    ("HM-EYE-15", "眼霜 15ml", 21_800),
    ("HM-HAND-75", "护手霜 75ml", 3_900),
    ("HM-GIFT-SET", "礼盒套装", 39_800),
    ("RX-VITC-100", "维生素 C 片 100 片", 4_500),
    ("RX-CALC-60", "钙片 60 片", 6_900),
];

/// The units in stock of each of the demo [`PRODUCTS`], in the same order: enough that the demo
/// can ship replacements, and fewer of the dear gift set.
pub const STOCK: [u32; PRODUCTS.len()] = [180, 140, 60, 120, 90, 200, 110, 45, 160, 20, 150, 130];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓燕",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("上海", "上海", "华东"),
    ("杭州", "浙江", "华东"),
    ("南京", "江苏", "华东"),
    ("苏州", "江苏", "华东"),
    ("北京", "北京", "华北"),
    ("天津", "天津", "华北"),
    ("广州", "广东", "华南"),
    ("深圳", "广东", "华南"),
    ("成都", "四川", "西南"),
    ("重庆", "重庆", "西南"),
    ("武汉", "湖北", "华中"),
    ("西安", "陕西", "西北"),
];
const SHOP_WORDS: &[&str] = &[
    "华美",
    "丽人",
    "百佳",
    "康健",
    "金源",
    "新世纪",
    "安心",
    "优品",
    "花语",
    "春天",
    "万家",
    "如意",
];
const SHOP_KINDS: &[&str] = &["化妆品", "百货", "药房", "美容", "日化", "商贸"];
const STREETS: &[&str] = &[
    "南京路",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "长江路",
];
const FIRST_NAMES: &[&str] = &[
    "Anna", "Ben", "Clara", "David", "Emma", "Frank", "Grace", "Henry", "Iris", "Jack",
];
const LAST_NAMES: &[&str] = &[
    "Lee", "Wong", "Smith", "Brown", "Lam", "Taylor", "Ng", "Chan", "Miller", "Ho",
];
const EN_WORDS: &[&str] = &["Pacific", "Golden", "Bright", "Harbour", "Lotus", "Summit"];
const EN_KINDS: &[&str] = &["Trading", "Beauty", "Pharmacy", "Retail", "Supplies"];
const PARTNERS: &[&str] = &["东方分销", "华南医药代理", "Golden Bridge Distribution"];
const VISIT_NOTES: &[&str] = &[
    "checked shelf stock and facings",
    "replaced damaged goods",
    "presented the new season's range",
    "trained shop staff on the serum",
    "collected payment for the last invoice",
    "discussed the holiday promotion",
];
const OPEN_ITEMS: &[&str] = &[
    "send samples",
    "quote for a larger order",
    "follow up on the overdue invoice",
    "bring promotion posters",
];

/// A demo customer, with one contact and one address.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub company: bool,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub tier: &'static str,
    pub region: &'static str,
    pub channel_partner: Option<&'static str>,
    pub tags: Vec<&'static str>,
    pub contact_name: String,
    pub contact_title: &'static str,
    pub street: String,
    pub city: &'static str,
    pub province: &'static str,
    /// Index into [`STAFF`] of the rep the customer is assigned to.
    pub owner: usize,
}

/// A demo order: when, and its lines as (index into [`PRODUCTS`], quantity).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub placed_at: i64,
    pub lines: Vec<(usize, u32)>,
}

/// A demo visit.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub occurred_at: i64,
    pub notes: &'static str,
    pub open_items: Vec<&'static str>,
}

/// The generator of customer `index` of a seed: independent of every other customer.
fn rng_for(seed: u64, index: u32, stream: u64) -> SplitMix64 {
    let mut mix = SplitMix64::new(seed ^ (u64::from(index) << 20) ^ (stream << 52));
    SplitMix64::new(mix.next_u64())
}

fn chinese_name(rng: &mut SplitMix64) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// Customer `index` of `seed`. Phone numbers are unique per index, so dedup keeps them apart.
pub fn customer(seed: u64, index: u32) -> Customer {
    let mut rng = rng_for(seed, index, 1);
    let (city, province, region) = *rng.pick(CITIES);
    let english = rng.chance(20);
    let company = rng.chance(85);
    let name = match (company, english) {
        (true, false) => format!(
            "{city}{}{}有限公司",
            rng.pick(SHOP_WORDS),
            rng.pick(SHOP_KINDS)
        ),
        (true, true) => format!("{} {} Co., Ltd.", rng.pick(EN_WORDS), rng.pick(EN_KINDS)),
        (false, false) => chinese_name(&mut rng),
        (false, true) => format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES)),
    };
    let contact_name = if english {
        format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES))
    } else {
        chinese_name(&mut rng)
    };
    let tier = match rng.below(100) {
        0..=59 => "standard",
        60..=84 => "silver",
        85..=96 => "gold",
        _ => "platinum",
    };
    let reps: Vec<usize> = (0..STAFF.len())
        .filter(|&i| STAFF[i].2 == Role::Rep)
        .collect();
    Customer {
        company,
        phone: format!("1{}{:09}", 3 + rng.below(7), index),
        email: rng
            .chance(60)
            .then(|| format!("contact{index}@customer{}.example", index % 997)),
        tier,
        region,
        channel_partner: rng.chance(30).then(|| *rng.pick(PARTNERS)),
        tags: [("key-account", 10), ("new", 15), ("promotion", 20)]
            .into_iter()
            .filter(|(_, percent)| rng.chance(*percent))
            .map(|(tag, _)| tag)
            .collect(),
        contact_name,
        contact_title: *rng.pick(&["店长", "采购经理", "老板", "Buyer", "Store manager"]),
        street: format!("{}{}号", rng.pick(STREETS), rng.between(1, 999)),
        city,
        province,
        owner: *rng.pick(&reps),
        name,
    }
}

/// The orders of customer `index` over the `years` before `now`: a purchase cycle of its own,
/// and order values that grow for some customers and shrink for others.
pub fn orders(seed: u64, index: u32, now: i64, years: u32, mean_count: u32) -> Vec<Order> {
    let mut rng = rng_for(seed, index, 2);
    let span = i64::from(years) * 365 * 86_400;
    let count = if mean_count == 0 {
        0
    } else {
        rng.between(i64::from(mean_count / 2), i64::from(mean_count * 3 / 2)) as u32
    };
    let trend = rng.between(-1, 2); // quantity change per order, a loyal customer grows
    let base = rng.between(2, 20);
    let mut placed: Vec<i64> = (0..count).map(|_| now - rng.between(0, span)).collect();
    placed.sort();
    placed
        .into_iter()
        .enumerate()
        .map(|(n, placed_at)| {
            let lines = (0..rng.between(1, 3))
                .map(|_| {
                    let quantity = (base + trend * n as i64 / 2 + rng.between(0, 5)).max(1);
                    (rng.below(PRODUCTS.len() as u64) as usize, quantity as u32)
                })
                .collect();
            Order { placed_at, lines }
        })
        .collect()
}

/// The visits to customer `index` in the year before `now`.
pub fn visits(seed: u64, index: u32, now: i64, count: u32) -> Vec<Visit> {
    let mut rng = rng_for(seed, index, 3);
    let mut visits: Vec<Visit> = (0..count)
        .map(|_| Visit {
            occurred_at: now - rng.between(86_400, 365 * 86_400),
            notes: *rng.pick(VISIT_NOTES),
            open_items: if rng.chance(40) {
                vec![*rng.pick(OPEN_ITEMS)]
            } else {
                Vec::new()
            },
        })
        .collect();
    visits.sort_by_key(|v| v.occurred_at);
    visits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{parse_tags, Phone, Tier};
    use crate::staff::{DisplayName, Email};

    #[test]
    fn the_same_seed_and_index_give_the_same_customer() {
        assert_eq!(customer(1, 42), customer(1, 42));
        assert_ne!(customer(1, 42), customer(1, 43));
        assert_ne!(customer(1, 42), customer(2, 42));
    }

    #[test]
    fn demo_customers_pass_the_rules_real_ones_must_pass() {
        for index in 0..500 {
            let c = customer(7, index);
            assert!(
                DisplayName::parse("contact", &c.contact_name).is_ok(),
                "{c:?}"
            );
            assert!(c.name.chars().count() <= 200);
            assert!(Phone::parse("phone", &c.phone).is_ok(), "{c:?}");
            if let Some(email) = &c.email {
                assert!(Email::parse("email", email).is_ok(), "{c:?}");
            }
            assert!(c.tier.parse::<Tier>().is_ok());
            let tags: Vec<String> = c.tags.iter().map(|t| t.to_string()).collect();
            assert!(parse_tags("tags", &tags).is_ok());
            assert_eq!(STAFF[c.owner].2, Role::Rep);
        }
    }

    #[test]
    fn phones_are_unique_so_demo_customers_are_not_duplicates_of_each_other() {
        let mut phones: Vec<String> = (0..2_000).map(|i| customer(3, i).phone).collect();
        phones.sort();
        phones.dedup();
        assert_eq!(phones.len(), 2_000);
    }

    #[test]
    fn every_demo_product_has_a_plausible_stock() {
        assert!(
            STOCK.iter().all(|units| (20..=200).contains(units)),
            "{STOCK:?}"
        );
    }

    #[test]
    fn orders_fall_in_the_period_and_are_in_time_order() {
        let now = 1_795_392_000;
        let orders = orders(5, 9, now, 5, 10);
        assert!((5..=15).contains(&orders.len()), "{}", orders.len());
        assert!(orders.windows(2).all(|w| w[0].placed_at <= w[1].placed_at));
        assert!(orders
            .iter()
            .all(|o| o.placed_at <= now && o.placed_at >= now - 5 * 365 * 86_400));
        assert!(orders
            .iter()
            .all(|o| !o.lines.is_empty()
                && o.lines.iter().all(|(p, q)| *p < PRODUCTS.len() && *q >= 1)));
        assert!(visits(5, 9, now, 4).iter().all(|v| v.occurred_at < now));
    }
}
