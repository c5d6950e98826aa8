//! Demo data: a deterministic, realistic set of staff, products, customers, orders, complaints
//! and visits for newcomers and benchmarks. Customer `i` of seed `s` is always the same customer,
//! so a large set can be written in chunks and a run reproduced exactly.

use crate::complaint::{Closure, ComplaintAction, ComplaintChannel, Rating};
use crate::random::SplitMix64;
use crate::role::Role;
use crate::sla::Priority;
use crate::time::rfc3339_utc;

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
    /// Whether the customer writes English (else Chinese): its name, its complaints.
    pub english: bool,
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
        english,
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

/// One order in this many brings a complaint about one of its lines, besides those about bad
/// batches: about one order in 25 in all.
pub const ORDERS_PER_COMPLAINT: u64 = 27;

/// Of the batches of a product, this many percent are bad: their complaint rate stands out in
/// the complaints report.
const BAD_BATCH_PERCENT: u64 = 2;

/// Of the orders with a line from a bad batch, this many percent bring a complaint about it.
const BAD_BATCH_COMPLAINT_PERCENT: u64 = 12;

const MINUTE: i64 = 60;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// The batch number of a demo order line: `B`, then the year and month the order was placed
/// (`B2507`), so one batch per product and month.
pub fn batch_number(placed_at: i64) -> String {
    let stamp = rfc3339_utc(placed_at);
    format!("B{}{}", &stamp[2..4], &stamp[5..7])
}

/// Whether a batch of a product (index into [`PRODUCTS`]) is one of the seed's bad batches,
/// whose lines bring complaints several times as often as the product's others.
pub fn bad_batch(seed: u64, product: usize, batch: &str) -> bool {
    // FNV-1a of the batch number, mixed with the seed and the product.
    let hash = batch.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    });
    SplitMix64::new(seed ^ hash ^ ((product as u64) << 48)).below(100) < BAD_BATCH_PERCENT
}

/// A complaint category's texts: description, cause, result, prevention.
type Texts = [&'static str; 4];

/// The demo's complaint categories: name, weight, texts in Chinese and in English.
const CATEGORIES: &[(&str, u64, Texts, Texts)] = &[
    (
        "packaging",
        25,
        [
            "收到的货外包装破损，瓶身有渗漏。",
            "运输途中挤压，纸箱强度不足。",
            "已补发新品，客户确认收到。",
            "改用加厚纸箱并加气泡膜。",
        ],
        [
            "The outer box arrived crushed and a bottle was leaking.",
            "Crushed in transit; the carton was too weak.",
            "A replacement was sent and the customer confirmed receipt.",
            "Double-wall cartons with bubble wrap from now on.",
        ],
    ),
    (
        "quality",
        25,
        [
            "产品质地变稀，气味和以前不一样。",
            "该批次灌装时温度控制出现偏差。",
            "为客户更换同款新品，并赠送小样致歉。",
            "灌装线增加温度报警，该产品批次抽检加倍。",
        ],
        [
            "The texture is runny and it smells different from before.",
            "The filling temperature drifted for this batch.",
            "Exchanged for fresh units, with samples as an apology.",
            "A temperature alarm on the filling line; batch sampling doubled for this product.",
        ],
    ),
    (
        "skin_reaction",
        10,
        [
            "顾客使用后脸部发红发痒。",
            "顾客对配方中的香精过敏，产品检验合格。",
            "全额退款，建议就医，并提供了成分表。",
            "在包装和门店培训中突出过敏提示。",
        ],
        [
            "A shopper's face turned red and itchy after using it.",
            "The shopper is allergic to the fragrance; the product met its specification.",
            "Refunded in full; advised to see a doctor and sent the list of ingredients.",
            "The allergy warning made prominent on the pack and in shop training.",
        ],
    ),
    (
        "delivery",
        15,
        [
            "订单比承诺的时间晚了一周才到。",
            "物流商中转仓积压。",
            "免除本单运费并致歉。",
            "旺季增加第二家物流商。",
        ],
        [
            "The order arrived a week later than promised.",
            "A backlog at the carrier's depot.",
            "The shipping charge was refunded with an apology.",
            "A second carrier for the peak season.",
        ],
    ),
    (
        "expiry",
        10,
        [
            "收到的产品离过期只剩两个月。",
            "仓库没有按先进先出发货。",
            "换成新批次的产品。",
            "拣货按有效期排序，短效期库存锁定。",
        ],
        [
            "The goods arrived only two months before their expiry date.",
            "The warehouse did not ship first in, first out.",
            "Replaced with units of a fresh batch.",
            "Picking sorted by expiry date; short-dated stock blocked.",
        ],
    ),
    (
        "wrong_item",
        15,
        [
            "收到的商品和订单不符。",
            "拣货时货位标签贴错。",
            "上门取回错发的商品，补发正确商品。",
            "拣货增加扫码复核。",
        ],
        [
            "The goods received do not match the order.",
            "A mislabelled bin at picking.",
            "The wrong goods were collected and the right ones sent.",
            "A barcode check at picking.",
        ],
    ),
];

/// The category most complaints about a bad batch fall in.
const QUALITY: usize = 1;

const FIRST_REPLY_ZH: &str = "您好，已收到您的反馈，我们正在核实，会尽快给您处理方案。";
const FIRST_REPLY_EN: &str =
    "Thank you for telling us. We are looking into it and will come back to you with a remedy.";

/// What staff did to a demo complaint after it was filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A reply to the customer; the first one is the first response and acknowledges a new
    /// complaint, as a staff reply does.
    Reply(&'static str),
    /// A move of the workflow.
    Move(ComplaintAction),
}

/// A demo complaint about one line of a demo order, with what was done about it by `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Complaint {
    /// Index of the order among the customer's [`orders`].
    pub order: usize,
    /// Index of the line in the order, from 0.
    pub line: usize,
    pub category: &'static str,
    pub description: &'static str,
    pub priority: Priority,
    pub channel: ComplaintChannel,
    /// Index into [`STAFF`] of who took it down; `None` when the customer filed it on the
    /// portal.
    pub filed_by: Option<usize>,
    /// Index into [`STAFF`] of whom it was assigned to at filing: the agent or the service lead.
    pub assignee: usize,
    pub filed_at: i64,
    /// What was done, in time order: each instant after the one before (the first after
    /// `filed_at`), none after `now`.
    pub steps: Vec<(i64, Step)>,
    /// Cause, result and prevention, when the last step closes it.
    pub closure: Option<Closure>,
    /// How the customer rated the handling, and when: some closed complaints are rated.
    pub rating: Option<(i64, Rating)>,
}

/// The index of the first of [`STAFF`] with `role`.
fn staff_with(role: Role) -> usize {
    STAFF.iter().position(|s| s.2 == role).unwrap_or(0)
}

/// An index into `weights`, each drawn in proportion to its weight.
fn weighted(rng: &mut SplitMix64, weights: &[u64]) -> usize {
    let mut draw = rng.below(weights.iter().sum());
    for (i, &weight) in weights.iter().enumerate() {
        if draw < weight {
            return i;
        }
        draw -= weight;
    }
    weights.len() - 1
}

/// The complaints of customer `index` about its `orders` (as [`orders`] made them for the same
/// `now`): one order in [`ORDERS_PER_COMPLAINT`] brings one about a line, and more of those with
/// a line of a bad batch ([`bad_batch`]) do, about that line. Each is filed hours to two weeks
/// after its order and worked as a desk works: a first response (72 % within 3 hours, 18 % within
/// 20, 10 % after 24), work started, sometimes a wait on the customer, resolution 1–10 days of
/// the clock after filing (85 % within 4½), and closing with cause, result and prevention hours
/// to days later (one in twenty is never closed). Only what happened by `now` is kept: a
/// complaint filed too late is left out, and recent ones stand where they are at `now`.
pub fn complaints(
    seed: u64,
    index: u32,
    customer: &Customer,
    orders: &[Order],
    now: i64,
) -> Vec<Complaint> {
    let mut rng = rng_for(seed, index, 4);
    let mut rating_rng = rng_for(seed, index, 5);
    let mut complaints = Vec::new();
    for (n, order) in orders.iter().enumerate() {
        if order.lines.is_empty() {
            continue;
        }
        let batch = batch_number(order.placed_at);
        let bad = order
            .lines
            .iter()
            .position(|&(product, _)| bad_batch(seed, product, &batch));
        let line = match bad {
            Some(line) if rng.chance(BAD_BATCH_COMPLAINT_PERCENT) => line,
            _ if rng.below(ORDERS_PER_COMPLAINT) == 0 => {
                rng.below(order.lines.len() as u64) as usize
            }
            _ => continue,
        };
        let about_bad_batch = bad == Some(line);
        if let Some(mut c) = complaint(&mut rng, customer, order, (n, line), about_bad_batch, now) {
            c.rating = rating(&mut rating_rng, customer, &c, now);
            complaints.push(c);
        }
    }
    complaints
}

/// The share of closed complaints whose customer rates the handling.
const RATED_PERCENT: u64 = 45;

/// Comments of a rating by score band (1–2, 3, 4–5), in Chinese and in English.
const RATING_COMMENTS: [([&str; 3], [&str; 3]); 3] = [
    (
        [
            "回复太慢了，等了好几天。",
            "问题解决了，但过程很不顺利。",
            "",
        ],
        [
            "Far too slow to answer.",
            "Solved in the end, but it was hard work.",
            "",
        ],
    ),
    (
        ["还可以。", "处理得一般，希望下次更快。", ""],
        ["It was fine.", "Average handling; could be faster.", ""],
    ),
    (
        ["处理及时，谢谢！", "客服很耐心，换货也很快。", ""],
        [
            "Quick and helpful, thank you!",
            "Patient agent and a fast replacement.",
            "",
        ],
    ),
];

/// The customer's rating of closed complaint `c`, some hours to days after it closed (none
/// after `now`), or `None` (most customers do not rate). A late first response (after 24 hours)
/// makes low scores likelier. Drawn from `rng`, a stream of its own, so that ratings leave the
/// rest of the demo data as it was.
fn rating(
    rng: &mut SplitMix64,
    customer: &Customer,
    c: &Complaint,
    now: i64,
) -> Option<(i64, Rating)> {
    let (closed_at, _) = *c
        .steps
        .last()
        .filter(|&&(_, step)| step == Step::Move(ComplaintAction::Close))?;
    let first_response = c.steps.first().map_or(0, |&(at, _)| at - c.filed_at);
    let rated = rng.chance(RATED_PERCENT);
    let weights: &[u64] = if first_response > 24 * HOUR {
        &[15, 20, 25, 25, 15]
    } else {
        &[3, 5, 12, 32, 48]
    };
    let score = 1 + weighted(rng, weights) as u8;
    let at = closed_at + rng.between(HOUR, 3 * DAY);
    let comments = &RATING_COMMENTS[match score {
        1 | 2 => 0,
        3 => 1,
        _ => 2,
    }];
    let comment = (if customer.english {
        comments.1
    } else {
        comments.0
    })[rng.below(3) as usize];
    (rated && at <= now).then(|| {
        (
            at,
            Rating {
                score,
                comment: comment.to_owned(),
            },
        )
    })
}

/// The complaint about `line` of the customer's order number `order_index`, or `None` when it
/// would be filed after `now`.
fn complaint(
    rng: &mut SplitMix64,
    customer: &Customer,
    order: &Order,
    (order_index, line): (usize, usize),
    about_bad_batch: bool,
    now: i64,
) -> Option<Complaint> {
    let category = if about_bad_batch && rng.chance(70) {
        QUALITY
    } else {
        let weights: Vec<u64> = CATEGORIES.iter().map(|c| c.1).collect();
        weighted(rng, &weights)
    };
    let (name, _, zh, en) = CATEGORIES[category];
    let [description, cause, result, prevention] = if customer.english { en } else { zh };
    let priority = if name == "skin_reaction" {
        if rng.chance(30) {
            Priority::Urgent
        } else {
            Priority::High
        }
    } else {
        [
            Priority::Low,
            Priority::Medium,
            Priority::High,
            Priority::Urgent,
        ][weighted(rng, &[15, 70, 12, 3])]
    };
    let channel = [
        ComplaintChannel::Phone,
        ComplaintChannel::Portal,
        ComplaintChannel::Email,
        ComplaintChannel::Visit,
    ][weighted(rng, &[45, 35, 12, 8])];
    let assignee = if rng.chance(70) {
        staff_with(Role::Agent)
    } else {
        staff_with(Role::ServiceLead)
    };
    let filed_by = match channel {
        ComplaintChannel::Portal => None,
        ComplaintChannel::Visit => Some(customer.owner),
        ComplaintChannel::Phone | ComplaintChannel::Email => Some(assignee),
    };
    // Mostly after delivery (two days after the order), some on the day it arrives.
    let filed_at = order.placed_at
        + if rng.chance(80) {
            rng.between(2 * DAY, 16 * DAY)
        } else {
            rng.between(4 * HOUR, 2 * DAY)
        };

    let first_response = filed_at
        + match rng.below(100) {
            0..=71 => rng.between(5 * MINUTE, 3 * HOUR),
            72..=89 => rng.between(3 * HOUR, 20 * HOUR),
            _ => rng.between(24 * HOUR + 30 * MINUTE, 72 * HOUR),
        };
    let reply = if customer.english {
        FIRST_REPLY_EN
    } else {
        FIRST_REPLY_ZH
    };
    let mut steps = vec![(first_response, Step::Reply(reply))];
    let started = first_response + rng.between(10 * MINUTE, 20 * HOUR);
    steps.push((started, Step::Move(ComplaintAction::Start)));
    let (mut last, mut waited) = (started, 0);
    if rng.chance(30) {
        let asked = started + rng.between(HOUR, DAY);
        let answered = asked + rng.between(6 * HOUR, 3 * DAY);
        steps.push((asked, Step::Move(ComplaintAction::WaitOnCustomer)));
        steps.push((answered, Step::Move(ComplaintAction::Resume)));
        (last, waited) = (answered, answered - asked);
    }
    // Time on the resolution clock, which stands still while waiting on the customer.
    let counted = if rng.chance(85) {
        rng.between(DAY, 9 * DAY / 2)
    } else {
        rng.between(9 * DAY / 2, 10 * DAY)
    };
    let resolved = (filed_at + counted + waited).max(last + HOUR);
    steps.push((resolved, Step::Move(ComplaintAction::Resolve)));
    if !rng.chance(5) {
        let closed = resolved + rng.between(4 * HOUR, 5 * DAY);
        steps.push((closed, Step::Move(ComplaintAction::Close)));
    }

    if filed_at > now {
        return None;
    }
    steps.retain(|&(at, _)| at <= now);
    let closed = steps
        .last()
        .is_some_and(|&(_, step)| step == Step::Move(ComplaintAction::Close));
    Some(Complaint {
        order: order_index,
        line,
        category: name,
        description,
        priority,
        channel,
        filed_by,
        assignee,
        filed_at,
        steps,
        closure: closed.then(|| Closure {
            cause: cause.into(),
            result: result.into(),
            prevention: prevention.into(),
        }),
        rating: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::complaint::{is_open, transition, ComplaintStatus};
    use crate::customer::{parse_required_text, parse_tags, Phone, Tier};
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

    /// What a complaint's steps lead to, replayed through the workflow from `new` (a reply
    /// acknowledges a new complaint, as a staff reply does); panics on an illegal move.
    fn replayed(complaint: &Complaint) -> ComplaintStatus {
        complaint
            .steps
            .iter()
            .fold(ComplaintStatus::New, |status, &(_, step)| match step {
                Step::Reply(_) if status == ComplaintStatus::New => {
                    transition(status, ComplaintAction::Acknowledge).expect("acknowledged")
                }
                Step::Reply(_) => status,
                Step::Move(action) => transition(status, action).expect("a legal move"),
            })
    }

    #[test]
    fn complaints_are_the_same_for_the_same_seed_index_and_time() {
        let now = 1_795_392_000;
        let made = |seed: u64| {
            (0..300)
                .flat_map(|index| {
                    let orders = orders(seed, index, now, 5, 10);
                    complaints(seed, index, &customer(seed, index), &orders, now)
                })
                .collect::<Vec<_>>()
        };
        assert!(!made(4).is_empty());
        assert_eq!(made(4), made(4));
        assert_ne!(made(4), made(5));
    }

    #[test]
    fn complaints_follow_their_orders_and_the_workflow_and_stop_at_now() {
        let now = 1_795_392_000;
        let (mut order_count, mut all) = (0usize, Vec::new());
        for index in 0..3000 {
            let c = customer(11, index);
            let orders = orders(11, index, now, 5, 10);
            order_count += orders.len();
            for k in complaints(11, index, &c, &orders, now) {
                let order = &orders[k.order];
                assert!(k.line < order.lines.len(), "{k:?}");
                assert!(k.filed_at > order.placed_at && k.filed_at <= now, "{k:?}");
                let mut at = k.filed_at;
                for &(when, _) in &k.steps {
                    assert!(when > at && when <= now, "{k:?}");
                    at = when;
                }
                let status = replayed(&k);
                assert_eq!(k.closure.is_some(), status == ComplaintStatus::Closed);
                if let Some(closure) = &k.closure {
                    let parsed = Closure::parse(
                        Some(closure.cause.as_str()),
                        Some(closure.result.as_str()),
                        Some(closure.prevention.as_str()),
                    );
                    assert_eq!(parsed.as_ref(), Ok(closure));
                }
                // Only recent complaints are still open.
                if is_open(status) {
                    assert!(k.filed_at >= now - 30 * DAY, "{k:?}");
                }
                assert!(parse_required_text(
                    "category",
                    k.category,
                    crate::complaint::MAX_CATEGORY_CHARS
                )
                .is_ok());
                assert!(parse_required_text(
                    "description",
                    k.description,
                    crate::complaint::MAX_DESCRIPTION_CHARS
                )
                .is_ok());
                assert!(matches!(
                    STAFF[k.assignee].2,
                    Role::Agent | Role::ServiceLead
                ));
                assert_eq!(k.filed_by.is_none(), k.channel == ComplaintChannel::Portal);
                // A rating comes after closing, by now, and is one a customer could give.
                if let Some((rated_at, rating)) = &k.rating {
                    assert_eq!(status, ComplaintStatus::Closed, "{k:?}");
                    assert!(*rated_at > at && *rated_at <= now, "{k:?}");
                    let given = Rating::parse(Some(rating.score), &rating.comment);
                    assert_eq!(given.as_ref(), Ok(rating));
                }
                all.push((k, status));
            }
        }
        // About one order in 25 brings a complaint.
        let rate = all.len() as f64 / order_count as f64;
        assert!((1.0 / 32.0..=1.0 / 20.0).contains(&rate), "{rate}");
        let share = |wanted: fn(&(Complaint, ComplaintStatus)) -> bool| {
            all.iter().filter(|k| wanted(k)).count() as f64 / all.len() as f64
        };
        let closed = share(|(_, s)| *s == ComplaintStatus::Closed);
        let resolved = share(|(_, s)| *s == ComplaintStatus::Resolved);
        assert!((0.88..=0.98).contains(&closed), "{closed}");
        assert!((0.02..=0.09).contains(&resolved), "{resolved}");
        // Nine in ten first responses within 24 hours.
        let answered: Vec<i64> = all
            .iter()
            .filter_map(|(k, _)| k.steps.first().map(|&(at, _)| at - k.filed_at))
            .collect();
        let in_a_day =
            answered.iter().filter(|&&s| s <= DAY).count() as f64 / answered.len() as f64;
        assert!((0.85..=0.95).contains(&in_a_day), "{in_a_day}");
        let medium = share(|(k, _)| k.priority == Priority::Medium);
        assert!((0.5..=0.75).contains(&medium), "{medium}");
        let phone_or_portal = share(|(k, _)| {
            matches!(
                k.channel,
                ComplaintChannel::Phone | ComplaintChannel::Portal
            )
        });
        assert!(phone_or_portal >= 0.7, "{phone_or_portal}");
        // About 45% of the closed ones are rated, mostly well.
        let rated = share(|(k, _)| k.rating.is_some()) / closed;
        assert!((0.38..=0.52).contains(&rated), "{rated}");
        let scores: Vec<u8> = all
            .iter()
            .filter_map(|(k, _)| k.rating.as_ref().map(|(_, r)| r.score))
            .collect();
        let happy = scores.iter().filter(|&&s| s >= 4).count() as f64 / scores.len() as f64;
        assert!((0.6..=0.85).contains(&happy), "{happy}");
        assert!(scores.contains(&1) && scores.contains(&3));
    }

    #[test]
    fn bad_batches_bring_several_times_the_complaints_of_the_others() {
        let now = 1_795_392_000;
        let (mut bad_lines, mut bad_complaints) = (0u32, 0u32);
        let (mut other_lines, mut other_complaints) = (0u32, 0u32);
        for index in 0..3000 {
            let orders = orders(12, index, now, 5, 10);
            let complained: Vec<(usize, usize)> =
                complaints(12, index, &customer(12, index), &orders, now)
                    .iter()
                    .map(|k| (k.order, k.line))
                    .collect();
            for (n, order) in orders.iter().enumerate() {
                let batch = batch_number(order.placed_at);
                for (line, &(product, _)) in order.lines.iter().enumerate() {
                    let hit = u32::from(complained.contains(&(n, line)));
                    if bad_batch(12, product, &batch) {
                        (bad_lines, bad_complaints) = (bad_lines + 1, bad_complaints + hit);
                    } else {
                        (other_lines, other_complaints) = (other_lines + 1, other_complaints + hit);
                    }
                }
            }
        }
        assert!(bad_lines > 0 && other_lines > 0);
        let bad = f64::from(bad_complaints) / f64::from(bad_lines);
        let other = f64::from(other_complaints) / f64::from(other_lines);
        assert!(bad >= 3.0 * other, "{bad} against {other}");
    }

    #[test]
    fn batch_numbers_are_the_month_an_order_was_placed() {
        // 2026-11-23T00:00:00Z
        assert_eq!(batch_number(1_795_392_000), "B2611");
    }

    #[test]
    fn the_demo_staff_has_who_complaints_need() {
        for role in [Role::Agent, Role::ServiceLead, Role::SalesGm] {
            assert!(STAFF.iter().any(|s| s.2 == role), "{role}");
        }
    }
}
