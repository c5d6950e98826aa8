//! The shop of a signed-in customer: their cart, placing it as a web order, and their orders,
//! in zh-CN or en.
//!
//! `POST /cart` (the catalogue's "add to cart": what the cart holds plus the units added),
//! `GET /cart` (the cart, its lines' quantities to change, and the checkout), `POST /cart/lines`
//! (a line's new quantity; 0 removes it), `POST /orders` (places the cart's available lines),
//! `GET /orders` (the customer's orders, newest first, a page at a time with `?cursor=`),
//! `GET /orders/{id}` and `POST /orders/{id}/cancel` (while the order is still `placed`). Each
//! line of an order links the form that reports a problem with it (`complaints.rs`).
//!
//! A visitor is sent to sign in and back (303 to `/sign-in?next=…`); a form without the
//! session's CSRF token, or from another site's page, is refused (403). A form that works
//! answers 303 (Post/Redirect/Get); one that does not is shown again with the status of the
//! problem (409 an empty or changed cart, an order that can no longer be cancelled, a product no
//! longer sold; 422 naming the input at fault). Another customer's order is a 404 page. Records
//! keeps the cart (with the account, in key-value), prices it, places the order and decides
//! whose order is whose; these pages only ask.
//!
//! Placing an order happens at most once per checkout page. The page embeds an idempotency key
//! of 128 random bits; the order is placed with it and a fingerprint of what the page showed and
//! the customer typed (the cart's available lines as the page listed them, the address, the
//! notes: `forms::fingerprint`). A double click or a retry gets the first order back, and the
//! same key with another cart or address is refused by records. A cart that changed since the
//! page was shown (another tab) is shown again to be checked, unless it is empty: then records
//! either returns the order the key already placed or says the cart is empty.
//!
//! The checkout offers the customer's addresses on file (`customers::my_customer`), the first
//! chosen, and a new address, which records adds to the customer's addresses.

use crate::accounts::refused;
use crate::form::{alert, Feedback, Input};
use crate::layout::{self, html_response, see_other};
use crate::pages;
use crate::session::{self, Visitor};
use crm_guest::accounts::Session;
use crm_guest::customers::{self, Address, AddressInput};
use crm_guest::forms;
use crm_guest::lang::{self, Lang};
use crm_guest::names;
use crm_guest::orders::{self, Cart, CartLine, Order, OrderChannel, OrderStatus, WebOrder};
use crm_guest::request::query_pairs;
use crm_guest::types::{Error, FieldProblem, IdempotencyKey};
use crm_guest::{ApiResult, Params, Problem};
use maud::{html, Markup};
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

/// Orders on one page of `GET /orders`.
const ORDERS_PAGE: u32 = 20;
/// The most units one line may hold (records' rule, `crm_domain::orders::MAX_QUANTITY`).
const MAX_QUANTITY: u32 = 1_000_000;
/// The inputs of the checkout that records may name in an `invalid` error (as the last part of
/// its field name, e.g. `new_address.street`).
const CHECKOUT_INPUTS: &[&str] = &[
    "label", "street", "city", "province", "postcode", "country", "notes",
];

/// The text of the shop's pages.
#[derive(Clone, Copy)]
enum Text {
    CartTitle,
    EmptyCart,
    BrowseProducts,
    Product,
    Sku,
    UnitPrice,
    Quantity,
    LineTotal,
    Total,
    Update,
    Remove,
    Unavailable,
    Checkout,
    DeliveryAddress,
    NewAddressHint,
    NewAddressChoice,
    AddressLabel,
    Street,
    City,
    Province,
    Postcode,
    Country,
    NotesOptional,
    PlaceOrder,
    BadAddQuantity,
    BadQuantity,
    ProductGone,
    CartNotChanged,
    CartChanged,
    CartEmptyNow,
    NotPlaced,
    KeyUsed,
    CheckAgain,
    MissingStreet,
    BadNotes,
    CheckField,
    OrdersTitle,
    NoOrders,
    NoMoreOrders,
    Date,
    OrderNumber,
    Status,
    Units,
    More,
    OrderTitle,
    PlacedNotice,
    CancelledNotice,
    ShipDate,
    NotShipped,
    AddressOnFile,
    Notes,
    CancelOrder,
    CannotCancel,
    BackToOrders,
    ReportProblem,
    NotFoundTitle,
    NotFoundText,
    Placed,
    Confirmed,
    Shipped,
    Delivered,
    Cancelled,
}

fn text(lang: Lang, key: Text) -> &'static str {
    use Text::*;
    let (zh, en) = match key {
        CartTitle => ("购物车", "Your cart"),
        EmptyCart => ("您的购物车是空的。", "Your cart is empty."),
        BrowseProducts => ("浏览产品目录", "Browse the products"),
        Product => ("产品", "Product"),
        Sku => ("编号", "SKU"),
        UnitPrice => ("单价", "Unit price"),
        Quantity => ("数量", "Quantity"),
        LineTotal => ("小计", "Line total"),
        Total => ("合计", "Total"),
        Update => ("更新", "Update"),
        Remove => ("删除", "Remove"),
        Unavailable => (
            "该产品已停售，无法订购。",
            "No longer sold: it cannot be ordered.",
        ),
        Checkout => ("提交订单", "Place your order"),
        DeliveryAddress => ("收货地址", "Delivery address"),
        NewAddressHint => (
            "新地址：本次订单发往此地址，地址会保存到您的客户资料中。",
            "A new address: this order ships there, and it is kept with your customer record.",
        ),
        NewAddressChoice => ("发往新地址（在下面填写）", "A new address (below)"),
        AddressLabel => (
            "地址名称（可不填，如“家”“公司”）",
            "Name of the address (optional, e.g. home, office)",
        ),
        Street => ("街道和门牌号", "Street and number"),
        City => ("城市", "City"),
        Province => ("省份", "Province or state"),
        Postcode => ("邮政编码", "Postcode"),
        Country => ("国家或地区", "Country"),
        NotesOptional => ("备注（可不填）", "Notes (optional)"),
        PlaceOrder => ("提交订单", "Place order"),
        BadAddQuantity => (
            "请输入 1 到 1000000 之间的整数，购物车中同一产品最多 1000000 件。",
            "Enter a whole number of units from 1 to 1,000,000; a cart holds at most 1,000,000 \
             of one product.",
        ),
        BadQuantity => (
            "请输入 0 到 1000000 之间的整数（0 表示删除）。",
            "Enter a whole number from 0 to 1,000,000 (0 removes the line).",
        ),
        ProductGone => ("该产品已停售或不存在。", "This product is no longer sold."),
        CartNotChanged => ("购物车未能更改：", "The cart could not be changed: "),
        CartChanged => (
            "此页面打开后，您的购物车有变化。请核对后再提交订单。",
            "Your cart changed since this page was shown: check it and place the order again.",
        ),
        CartEmptyNow => (
            "您的购物车是空的，请先添加产品再下单。",
            "Your cart is empty: add products before placing an order.",
        ),
        NotPlaced => ("订单未能提交：", "The order could not be placed: "),
        KeyUsed => (
            "此表单已用于提交另一份订单。请核对购物车后重新提交。",
            "This form was already used for another order: check your cart and place the \
             order again.",
        ),
        CheckAgain => (
            "此表单已失效。请核对订单后重新提交。",
            "This form has expired: check your order and place it again.",
        ),
        MissingStreet => (
            "请填写街道和门牌号（1–200 个字符）。",
            "Enter the street and number (1–200 characters).",
        ),
        BadNotes => (
            "备注最多 2000 个字符。",
            "Notes are at most 2000 characters.",
        ),
        CheckField => ("请检查此项。", "Please check this entry."),
        OrdersTitle => ("我的订单", "My orders"),
        NoOrders => ("您还没有订单。", "You have no orders yet."),
        NoMoreOrders => ("没有更多订单了。", "There are no more orders."),
        Date => ("下单日期", "Date"),
        OrderNumber => ("订单编号", "Order number"),
        Status => ("状态", "Status"),
        Units => ("件数", "Units"),
        More => ("更早的订单", "Older orders"),
        OrderTitle => ("订单详情", "Your order"),
        PlacedNotice => (
            "谢谢！您的订单已提交，我们确认后会尽快发货。",
            "Thank you: your order was placed. We will confirm it and ship it soon.",
        ),
        CancelledNotice => ("订单已取消。", "Your order was cancelled."),
        ShipDate => ("发货日期", "Ship date"),
        NotShipped => ("尚未发货", "Not shipped yet"),
        AddressOnFile => ("收货地址编号", "Delivery address"),
        Notes => ("备注", "Notes"),
        CancelOrder => ("取消订单", "Cancel order"),
        CannotCancel => (
            "此订单已无法取消，只有尚未确认的订单可以取消。当前状态：",
            "This order can no longer be cancelled: only an order not yet confirmed can be. \
             Its status: ",
        ),
        BackToOrders => ("返回我的订单", "Back to my orders"),
        ReportProblem => ("报告问题", "Report a problem"),
        NotFoundTitle => ("找不到订单", "Order not found"),
        NotFoundText => (
            "您的账户中没有这个订单。",
            "There is no such order in your account.",
        ),
        Placed => ("已提交", "Placed"),
        Confirmed => ("已确认", "Confirmed"),
        Shipped => ("已发货", "Shipped"),
        Delivered => ("已送达", "Delivered"),
        Cancelled => ("已取消", "Cancelled"),
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

/// An order's status in words.
fn status_text(lang: Lang, status: OrderStatus) -> &'static str {
    let key = match status {
        OrderStatus::Placed => Text::Placed,
        OrderStatus::Confirmed => Text::Confirmed,
        OrderStatus::Shipped => Text::Shipped,
        OrderStatus::Delivered => Text::Delivered,
        OrderStatus::Cancelled => Text::Cancelled,
    };
    text(lang, key)
}

/// An order's status in words, with its API name (`placed`…) in `data-status`.
fn status_markup(lang: Lang, status: OrderStatus) -> Markup {
    html! {
        span data-status=(names::OrderStatus::from(status).as_str()) { (status_text(lang, status)) }
    }
}

// ---------------------------------------------------------------------------------------------
// Forms. Quantities are taken as text and parsed here: a field that does not parse would make
// the whole form read as empty (`forms::body`), its CSRF token too.

/// The catalogue's "add to cart".
#[derive(Deserialize, Default)]
#[serde(default)]
struct AddForm {
    csrf_token: String,
    product_id: String,
    /// Units to add, 1 up to 10^6.
    quantity: String,
    /// The search of the catalogue page the form was on, to go back to it.
    q: String,
    lang: Option<String>,
}

/// A cart line's new quantity.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LineForm {
    csrf_token: String,
    product_id: String,
    /// Units, 0 (removes the line) up to 10^6.
    quantity: String,
    lang: Option<String>,
}

/// The checkout: where the order ships, notes, and what the page knew when it was shown.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CheckoutForm {
    csrf_token: String,
    /// One of the customer's addresses, or [`NEW_ADDRESS`] (or empty) for the typed one.
    address_id: String,
    /// The key the cart page made for this checkout.
    idempotency_key: String,
    /// The cart's available lines as the page listed them ([`summary`]).
    cart: String,
    label: String,
    street: String,
    city: String,
    province: String,
    postcode: String,
    country: String,
    notes: String,
    lang: Option<String>,
}

/// The "cancel order" button.
#[derive(Deserialize, Default)]
#[serde(default)]
struct CancelForm {
    csrf_token: String,
    lang: Option<String>,
}

/// The value of the "a new address" choice of the checkout.
const NEW_ADDRESS: &str = "new";

/// The signed-in customer's addresses, for the checkout to offer; none if records cannot say
/// (the checkout then asks for a new one).
fn addresses_of(session: &Session) -> Vec<Address> {
    customers::my_customer(&session::credential(session))
        .map_or_else(|_| Vec::new(), |c| c.addresses)
}

/// An address on one line: its label, street, city, province, postcode, country.
fn one_line(a: &Address) -> String {
    [
        &a.label,
        &a.street,
        &a.city,
        &a.province,
        &a.postcode,
        &a.country,
    ]
    .into_iter()
    .map(|part| part.trim())
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// `/sign-in?next=<path>`: where a visitor goes, to come back to `path` once signed in.
fn sign_in_for(path: &str) -> String {
    let next: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "/-._~".contains(c) {
                c.to_string()
            } else {
                lang::percent_encode(c.encode_utf8(&mut [0; 4]))
            }
        })
        .collect();
    format!("/sign-in?next={next}")
}

/// The signed-in customer, or the answer to a visitor: 303 to sign in and come back to `next`
/// (clearing a cookie that signs no one in any more).
pub(crate) fn signed_in(req: &Request, next: &str) -> Result<Result<Session, Response>, Problem> {
    match Visitor::of(req)? {
        Visitor::Customer(session) => Ok(Ok(session)),
        visitor => Ok(Err(see_other(
            &sign_in_for(next),
            visitor.stale_cookie(req),
        ))),
    }
}

/// Whether a signed-in customer's form may be acted on: posted from this site's page, with the
/// session's CSRF token.
fn genuine(req: &Request, session: &Session, csrf_token: &str) -> bool {
    forms::same_origin(req) && session::csrf_ok(session, csrf_token)
}

/// The session a state-changing form post acts in: a visitor is sent to sign in first (and
/// back to `next`); a post without the session's CSRF token, or from another origin, is
/// refused (403). `Err` is the answer to give instead.
pub(crate) fn posting(
    req: &Request,
    lang: Lang,
    next: &str,
    csrf_token: &str,
) -> Result<Result<Session, Response>, Problem> {
    let session = match signed_in(req, next)? {
        Ok(session) => session,
        Err(visitor) => return Ok(Err(visitor)),
    };
    if !genuine(req, &session, csrf_token) {
        return Ok(Err(refused(lang, Some(&session))));
    }
    Ok(Ok(session))
}

/// The answer to a records error no page can help with: a session that ended meanwhile signs in
/// again (its cookie cleared); anything else is a problem.
pub(crate) fn ended(req: &Request, next: &str, error: Error) -> ApiResult {
    match error {
        Error::Unauthenticated => Ok(see_other(
            &sign_in_for(next),
            Some(session::clear_cookie(req)),
        )),
        other => Err(Problem::from(other)),
    }
}

/// A quantity typed in a form: a whole number from `min` up to 10^6.
fn quantity(typed: &str, min: u32) -> Option<u32> {
    typed
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|units| (min..=MAX_QUANTITY).contains(units))
}

/// A new idempotency key for a page's form (a checkout, a complaint): 128 random bits in hex.
pub(crate) fn new_key() -> Result<String, Problem> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Problem::new(500, "Internal error").with_detail(format!("no random bytes: {e}"))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether a posted key can be an idempotency key: 1–255 visible ASCII characters.
pub(crate) fn plausible_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// What a cart would order: `<product id>*<quantity>` of each available line, in order, joined
/// by `,`. The checkout posts it back, so that a changed cart is noticed and the fingerprint
/// covers what the customer saw.
fn summary(cart: &Cart) -> String {
    cart.lines
        .iter()
        .filter(|line| line.available)
        .map(|line| format!("{}*{}", line.product_id, line.quantity))
        .collect::<Vec<_>>()
        .join(",")
}

/// The language of a page's query (`?lang=`), and whether it chose it: then the answer keeps
/// it in a cookie.
pub(crate) fn page_lang(req: &Request, pairs: &[(String, String)]) -> (Lang, Option<String>) {
    let (lang, chosen) = Lang::of(req, forms::param(pairs, "lang"));
    (lang, chosen.then(|| lang.set_cookie()))
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// `POST /cart`: adds `quantity` units of a product to the cart (what it holds plus these) and
/// goes back to the catalogue, `?added=<SKU>` (303); else the catalogue again: 422 a quantity
/// that is not 1–10^6 (or would take the line past it) or a full cart (records' 50 products),
/// 409 a product no longer sold; 403 without the session's CSRF token.
pub fn add_to_cart(req: &Request, _params: &Params) -> ApiResult {
    let form: AddForm = forms::body(req)?;
    let (lang, _) = Lang::of(req, form.lang.as_deref());
    let session = match posting(req, lang, "/products", &form.csrf_token)? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let t = |key| text(lang, key);
    let again = |status: u16, message: &str| pages::again(lang, &form.q, &session, status, message);
    let Some(added) = quantity(&form.quantity, 1) else {
        return again(422, t(Text::BadAddQuantity));
    };
    let product_id = form.product_id.trim();
    let who = session::credential(&session);
    let cart = match orders::get_cart(&who) {
        Ok(cart) => cart,
        Err(error) => return ended(req, "/products", error),
    };
    let held = cart
        .lines
        .iter()
        .find(|line| line.product_id == product_id)
        .map_or(0, |line| line.quantity);
    match orders::set_cart_quantity(&who, product_id, held.saturating_add(added)) {
        Ok(cart) => {
            let sku = cart
                .lines
                .iter()
                .find(|line| line.product_id == product_id)
                .map_or("", |line| line.sku.as_str());
            let mut location = format!("/products?added={}", lang::percent_encode(sku));
            let q = form.q.trim();
            if !q.is_empty() {
                location.push_str("&q=");
                location.push_str(&lang::percent_encode(q));
            }
            Ok(see_other(&location, None))
        }
        Err(Error::Invalid(problem)) if problem.field == "quantity" => {
            again(422, t(Text::BadAddQuantity))
        }
        // E.g. a full cart (records names the product as the field at fault).
        Err(Error::Invalid(problem)) => again(
            422,
            &format!("{}{}", t(Text::CartNotChanged), problem.message),
        ),
        Err(Error::NotFound(_) | Error::Missing(_)) => again(409, t(Text::ProductGone)),
        Err(Error::Conflict(why)) => again(409, &format!("{}{why}", t(Text::CartNotChanged))),
        Err(error) => ended(req, "/products", error),
    }
}

/// `GET /cart`: the cart (lines retired since they were added are marked and not counted), a
/// form per line to change its quantity or remove it, and the checkout.
pub fn cart_page(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, cookie) = page_lang(req, &pairs);
    let session = match signed_in(req, "/cart")? {
        Ok(session) => session,
        Err(visitor) => return Ok(visitor),
    };
    let cart = match orders::get_cart(&session::credential(&session)) {
        Ok(cart) => cart,
        Err(error) => return ended(req, "/cart", error),
    };
    let checkout = CheckoutForm {
        idempotency_key: new_key()?,
        ..CheckoutForm::default()
    };
    let markup = cart_markup(lang, &session, &cart, &checkout, &Feedback::default());
    Ok(html_response(200, lang, true, cookie, markup))
}

/// `POST /cart/lines`: sets a line's quantity (0 removes it) and goes back to the cart (303);
/// else the cart again: 422 a quantity that is not 0–10^6, 409 a product no longer sold; 403
/// without the session's CSRF token.
pub fn set_line(req: &Request, _params: &Params) -> ApiResult {
    let form: LineForm = forms::body(req)?;
    let (lang, _) = Lang::of(req, form.lang.as_deref());
    let session = match posting(req, lang, "/cart", &form.csrf_token)? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let t = |key| text(lang, key);
    let who = session::credential(&session);
    let again = |status: u16, message: &str| -> ApiResult {
        let cart = match orders::get_cart(&who) {
            Ok(cart) => cart,
            Err(error) => return ended(req, "/cart", error),
        };
        let checkout = CheckoutForm {
            idempotency_key: new_key()?,
            ..CheckoutForm::default()
        };
        let feedback = Feedback::alert(message);
        let markup = cart_markup(lang, &session, &cart, &checkout, &feedback);
        Ok(html_response(status, lang, true, None, markup))
    };
    let Some(units) = quantity(&form.quantity, 0) else {
        return again(422, t(Text::BadQuantity));
    };
    match orders::set_cart_quantity(&who, form.product_id.trim(), units) {
        Ok(_) => Ok(see_other("/cart", None)),
        Err(Error::Invalid(problem)) if problem.field == "quantity" => {
            again(422, t(Text::BadQuantity))
        }
        // E.g. a full cart (records names the product as the field at fault).
        Err(Error::Invalid(problem)) => again(
            422,
            &format!("{}{}", t(Text::CartNotChanged), problem.message),
        ),
        Err(Error::NotFound(_) | Error::Missing(_)) => again(409, t(Text::ProductGone)),
        Err(Error::Conflict(why)) => again(409, &format!("{}{why}", t(Text::CartNotChanged))),
        Err(error) => ended(req, "/cart", error),
    }
}

/// `POST /orders`: places the cart's available lines as a web order shipped to the address
/// typed, and shows it (303 to `/orders/{id}?placed=1`); the same checkout posted again (a
/// double click, a retry) lands on the same order. Else the cart again: 409 an empty cart, a
/// cart changed since the page was shown, or another conflict records names; 422 naming the
/// input at fault, or a checkout whose key was used for another order (with a new key); 403
/// without the session's CSRF token.
pub fn place_order(req: &Request, _params: &Params) -> ApiResult {
    let mut typed: CheckoutForm = forms::body(req)?;
    let (lang, _) = Lang::of(req, typed.lang.as_deref());
    let session = match posting(req, lang, "/cart", &typed.csrf_token)? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let t = |key| text(lang, key);
    let who = session::credential(&session);
    let cart = match orders::get_cart(&who) {
        Ok(cart) => cart,
        Err(error) => return ended(req, "/cart", error),
    };
    let again = |typed: &CheckoutForm, status: u16, feedback: Feedback| -> ApiResult {
        let markup = cart_markup(lang, &session, &cart, typed, &feedback);
        Ok(html_response(status, lang, true, None, markup))
    };
    let key = typed.idempotency_key.trim().to_owned();
    if !plausible_key(&key) {
        typed.idempotency_key = new_key()?;
        return again(&typed, 422, Feedback::alert(t(Text::CheckAgain)));
    }
    // Another tab changed the cart since this page showed it: the customer checks it first. An
    // empty cart goes on to records, which returns the order this key placed (the cart was
    // emptied by it) or says that the cart is empty.
    let shown = summary(&cart);
    if !shown.is_empty() && shown != typed.cart {
        typed.idempotency_key = new_key()?;
        return again(&typed, 409, Feedback::alert(t(Text::CartChanged)));
    }
    let on_file = Some(typed.address_id.trim())
        .filter(|id| !id.is_empty() && *id != NEW_ADDRESS)
        .map(str::to_owned);
    if on_file.is_none() && typed.street.trim().is_empty() {
        let feedback = Feedback::field("street", t(Text::MissingStreet));
        return again(&typed, 422, feedback);
    }
    // What the order asks for, as posted: the same checkout posted again has the same.
    let fingerprint = forms::fingerprint(&[
        "POST /orders",
        typed.cart.as_str(),
        on_file.as_deref().unwrap_or(NEW_ADDRESS),
        typed.label.as_str(),
        typed.street.as_str(),
        typed.city.as_str(),
        typed.province.as_str(),
        typed.postcode.as_str(),
        typed.country.as_str(),
        typed.notes.as_str(),
    ]);
    let once = IdempotencyKey { key, fingerprint };
    let clean = |value: &str| value.trim().to_owned();
    let input = WebOrder {
        new_address: match on_file {
            Some(_) => None,
            None => Some(AddressInput {
                label: clean(&typed.label),
                street: clean(&typed.street),
                city: clean(&typed.city),
                province: clean(&typed.province),
                postcode: clean(&typed.postcode),
                country: clean(&typed.country),
            }),
        },
        address_id: on_file,
        notes: clean(&typed.notes),
    };
    match orders::place_web_order(&who, &input, Some(&once)) {
        Ok(order) => Ok(see_other(&format!("/orders/{}?placed=1", order.id), None)),
        // The key placed another order (or is not one records takes): a new checkout.
        Err(Error::Invalid(problem)) if problem.field.eq_ignore_ascii_case("idempotency-key") => {
            typed.idempotency_key = new_key()?;
            again(&typed, 422, Feedback::alert(t(Text::KeyUsed)))
        }
        Err(Error::Invalid(problem)) => again(&typed, 422, checkout_invalid(lang, &problem)),
        Err(Error::Missing(problem)) => {
            let message = format!("{}{}", t(Text::NotPlaced), problem.message);
            again(&typed, 409, Feedback::alert(message))
        }
        Err(Error::Conflict(why)) => {
            let message = if shown.is_empty() {
                t(Text::CartEmptyNow).to_owned()
            } else {
                format!("{}{why}", t(Text::NotPlaced))
            };
            again(&typed, 409, Feedback::alert(message))
        }
        Err(error) => ended(req, "/cart", error),
    }
}

/// Records' complaint about an input of the checkout: under the input (records may name it
/// `street` or `new_address.street`), in the page's language with records' own words added in
/// English; above the form when it is about none of them.
fn checkout_invalid(lang: Lang, problem: &FieldProblem) -> Feedback {
    let last = problem.field.rsplit(['.', '/']).next().unwrap_or_default();
    let Some(input) = CHECKOUT_INPUTS.iter().copied().find(|input| *input == last) else {
        return Feedback::alert(format!(
            "{}{}",
            text(lang, Text::NotPlaced),
            problem.message
        ));
    };
    let hint = text(
        lang,
        match input {
            "street" => Text::MissingStreet,
            "notes" => Text::BadNotes,
            _ => Text::CheckField,
        },
    );
    let message = match lang {
        Lang::En if !problem.message.trim().is_empty() => {
            format!("{hint} ({})", problem.message.trim())
        }
        _ => hint.to_owned(),
    };
    Feedback::field(input, message)
}

/// `GET /orders`: the customer's orders, newest first, `?cursor=` for the next page.
pub fn order_list(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, cookie) = page_lang(req, &pairs);
    let session = match signed_in(req, "/orders")? {
        Ok(session) => session,
        Err(visitor) => return Ok(visitor),
    };
    let cursor = forms::param(&pairs, "cursor");
    let page = match orders::my_orders(&session::credential(&session), ORDERS_PAGE, cursor) {
        Ok(page) => page,
        Err(error) => return ended(req, "/orders", error),
    };
    let t = |key| text(lang, key);
    let switch = format!(
        "/orders{}",
        lang.switch_query(&[("cursor", cursor.unwrap_or_default())])
    );
    let content = html! {
        h1 { (t(Text::OrdersTitle)) }
        @if page.items.is_empty() {
            p { (t(if cursor.is_some() { Text::NoMoreOrders } else { Text::NoOrders })) }
            p { a href="/products" { (t(Text::BrowseProducts)) } }
        } @else {
            div.scroll { table {
                thead { tr {
                    th scope="col" { (t(Text::Date)) }
                    th scope="col" { (t(Text::OrderNumber)) }
                    th scope="col" { (t(Text::Status)) }
                    th scope="col" class="num" { (t(Text::Units)) }
                    th scope="col" class="num" { (t(Text::Total)) }
                } }
                tbody {
                    @for order in &page.items {
                        tr {
                            td { (lang.day_of(&order.placed_at, crate::time_zone())) }
                            td { a href=(format!("/orders/{}", order.id)) { (order.id) } }
                            td { (status_markup(lang, order.status)) }
                            td class="num" {
                                (order.lines.iter().fold(0u32, |n, line| n.saturating_add(line.quantity)))
                            }
                            td class="num" { (lang::money(order.total)) }
                        }
                    }
                }
            } }
        }
        @if let Some(next) = &page.next_cursor {
            p { a href=(format!("/orders?cursor={}", lang::percent_encode(next))) rel="next" {
                (t(Text::More))
            } }
        }
    };
    let markup = layout::page(lang, t(Text::OrdersTitle), Some(&session), &switch, content);
    Ok(html_response(200, lang, true, cookie, markup))
}

/// `GET /orders/{id}`: one of the customer's orders; `?placed=1` and `?cancelled=1` confirm
/// what was just done. Another customer's order, or none, is a 404 page.
pub fn order_page(req: &Request, params: &Params) -> ApiResult {
    let id = params.get("id");
    let pairs = query_pairs(req.query());
    let (lang, cookie) = page_lang(req, &pairs);
    let here = format!("/orders/{id}");
    let session = match signed_in(req, &here)? {
        Ok(session) => session,
        Err(visitor) => return Ok(visitor),
    };
    let notice = if forms::param(&pairs, "placed") == Some("1") {
        Some(Text::PlacedNotice)
    } else if forms::param(&pairs, "cancelled") == Some("1") {
        Some(Text::CancelledNotice)
    } else {
        None
    };
    match orders::my_order(&session::credential(&session), id) {
        Ok(order) => {
            let feedback = Feedback::default();
            let markup = order_markup(lang, &session, &order, notice, &feedback);
            Ok(html_response(200, lang, true, cookie, markup))
        }
        Err(Error::NotFound(_) | Error::Invalid(_)) => Ok(not_found(lang, &session)),
        Err(error) => ended(req, &here, error),
    }
}

/// `POST /orders/{id}/cancel`: cancels the customer's web order while it is `placed`, and
/// shows it (303 to `/orders/{id}?cancelled=1`); else the order again, 409, saying why; 404
/// another customer's order; 403 without the session's CSRF token.
pub fn cancel_order(req: &Request, params: &Params) -> ApiResult {
    let form: CancelForm = forms::body(req)?;
    let (lang, _) = Lang::of(req, form.lang.as_deref());
    let id = params.get("id");
    let here = format!("/orders/{id}");
    let session = match posting(req, lang, &here, &form.csrf_token)? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let who = session::credential(&session);
    match orders::cancel_my_order(&who, id) {
        Ok(order) => Ok(see_other(
            &format!("/orders/{}?cancelled=1", order.id),
            None,
        )),
        Err(Error::NotFound(_) | Error::Invalid(_)) => Ok(not_found(lang, &session)),
        Err(Error::Conflict(_)) => match orders::my_order(&who, id) {
            Ok(order) => {
                let why = format!(
                    "{}{}",
                    text(lang, Text::CannotCancel),
                    status_text(lang, order.status)
                );
                let markup = order_markup(lang, &session, &order, None, &Feedback::alert(why));
                Ok(html_response(409, lang, true, None, markup))
            }
            Err(Error::NotFound(_) | Error::Invalid(_)) => Ok(not_found(lang, &session)),
            Err(error) => ended(req, &here, error),
        },
        Err(error) => ended(req, &here, error),
    }
}

/// 404: no order of this customer has the id (another customer's is not theirs to see).
pub(crate) fn not_found(lang: Lang, session: &Session) -> Response {
    let t = |key| text(lang, key);
    let switch = format!("/orders{}", lang.switch_query(&[]));
    let content = html! {
        h1 { (t(Text::NotFoundTitle)) }
        p { (t(Text::NotFoundText)) }
        p { a href="/orders" { (t(Text::BackToOrders)) } }
    };
    let markup = layout::page(
        lang,
        t(Text::NotFoundTitle),
        Some(session),
        &switch,
        content,
    );
    html_response(404, lang, true, None, markup)
}

// ---------------------------------------------------------------------------------------------
// Pages.

/// The cart page: its lines, and the checkout when a line can be ordered, keeping what was
/// typed in it (`checkout`) and showing what went wrong (`feedback`).
fn cart_markup(
    lang: Lang,
    session: &Session,
    cart: &Cart,
    checkout: &CheckoutForm,
    feedback: &Feedback,
) -> Markup {
    let t = |key| text(lang, key);
    let switch = format!("/cart{}", lang.switch_query(&[]));
    let orderable = cart.lines.iter().any(|line| line.available);
    let content = html! {
        h1 { (t(Text::CartTitle)) }
        (alert(feedback))
        @if cart.lines.is_empty() {
            p { (t(Text::EmptyCart)) }
            p { a href="/products" { (t(Text::BrowseProducts)) } }
        } @else {
            div.scroll { table {
                thead { tr {
                    th scope="col" { (t(Text::Product)) }
                    th scope="col" { (t(Text::Sku)) }
                    th scope="col" class="num" { (t(Text::UnitPrice)) }
                    th scope="col" { (t(Text::Quantity)) }
                    th scope="col" class="num" { (t(Text::LineTotal)) }
                } }
                tbody {
                    @for line in &cart.lines {
                        (cart_row(lang, session, line))
                    }
                }
                tfoot { tr {
                    th scope="row" colspan="4" { (t(Text::Total)) }
                    td class="num" { (lang::money(cart.total)) }
                } }
            } }
            @if orderable {
                (checkout_markup(lang, session, cart, &addresses_of(session), checkout, feedback))
            }
        }
    };
    layout::page_with_cart(lang, t(Text::CartTitle), session, cart, &switch, content)
}

/// One line of the cart: its quantity to change (an available product) and a button that
/// removes it.
fn cart_row(lang: Lang, session: &Session, line: &CartLine) -> Markup {
    let t = |key| text(lang, key);
    let id = format!("quantity-{}", line.product_id);
    html! {
        tr {
            td {
                (line.name)
                @if !line.available {
                    br;
                    span.unavailable { (t(Text::Unavailable)) }
                }
            }
            td { (line.sku) }
            td class="num" { (lang::money(line.unit_price)) }
            td {
                @if line.available {
                    form.line method="post" action="/cart/lines" {
                        input type="hidden" name="csrf_token" value=(session.csrf_token);
                        input type="hidden" name="product_id" value=(line.product_id);
                        input type="hidden" name="lang" value=(lang.tag());
                        label for=(id) { (t(Text::Quantity)) }
                        input id=(id) name="quantity" type="number" inputmode="numeric" min="0"
                            max="1000000" step="1" value=(line.quantity) required;
                        button type="submit" { (t(Text::Update)) }
                    }
                } @else {
                    (line.quantity)
                }
                form.inline method="post" action="/cart/lines" {
                    input type="hidden" name="csrf_token" value=(session.csrf_token);
                    input type="hidden" name="product_id" value=(line.product_id);
                    input type="hidden" name="quantity" value="0";
                    input type="hidden" name="lang" value=(lang.tag());
                    button type="submit" aria-label=(format!("{} {}", t(Text::Remove), line.name)) {
                        (t(Text::Remove))
                    }
                }
            }
            td class="num" {
                @if line.available { (lang::money(line.line_total)) } @else { "—" }
            }
        }
    }
}

/// The checkout: the delivery address, notes, the total and "place order", with the page's
/// idempotency key and the cart it lists.
fn checkout_markup(
    lang: Lang,
    session: &Session,
    cart: &Cart,
    addresses: &[Address],
    checkout: &CheckoutForm,
    feedback: &Feedback,
) -> Markup {
    // The address chosen: the one posted, else the customer's first, else a new one.
    let chosen = match checkout.address_id.trim() {
        "" => addresses.first().map_or(NEW_ADDRESS, |a| a.id.as_str()),
        id => id,
    };
    let t = |key| text(lang, key);
    let field = |name: &'static str, label: Text, autocomplete: &'static str, value: &str, max| {
        Input {
            name,
            label: t(label),
            kind: "text",
            autocomplete,
            value,
            required: name == "street",
            min: None,
            max,
            hint: None,
        }
        .render(feedback)
    };
    let notes_error = feedback.about("notes");
    html! {
        h2 id="checkout" { (t(Text::Checkout)) }
        form.stack method="post" action="/orders" aria-labelledby="checkout" {
            fieldset {
                legend { (t(Text::DeliveryAddress)) }
                @for address in addresses {
                    label.choice {
                        input type="radio" name="address_id" value=(address.id)
                            checked[chosen == address.id];
                        " " (one_line(address))
                    }
                }
                @if !addresses.is_empty() {
                    label.choice {
                        input type="radio" name="address_id" value=(NEW_ADDRESS)
                            checked[chosen == NEW_ADDRESS];
                        " " (t(Text::NewAddressChoice))
                    }
                }
                p.hint { (t(Text::NewAddressHint)) }
                (field("label", Text::AddressLabel, "off", &checkout.label, 100))
                (field("street", Text::Street, "address-line1", &checkout.street, 200))
                (field("city", Text::City, "address-level2", &checkout.city, 100))
                (field("province", Text::Province, "address-level1", &checkout.province, 100))
                (field("postcode", Text::Postcode, "postal-code", &checkout.postcode, 20))
                (field("country", Text::Country, "country-name", &checkout.country, 100))
            }
            label for="notes" { (t(Text::NotesOptional)) }
            textarea id="notes" name="notes" rows="3" maxlength="2000"
                aria-invalid=[notes_error.map(|_| "true")]
                aria-describedby=[feedback.described_by("notes", false)] {
                (checkout.notes)
            }
            (feedback.error_under("notes"))
            input type="hidden" name="csrf_token" value=(session.csrf_token);
            input type="hidden" name="idempotency_key" value=(checkout.idempotency_key);
            input type="hidden" name="cart" value=(summary(cart));
            input type="hidden" name="lang" value=(lang.tag());
            p { (t(Text::Total)) ": " strong { (lang::money(cart.total)) } }
            button type="submit" { (t(Text::PlaceOrder)) }
        }
    }
}

/// One order: when, its status, shipping, its lines (each with a link to report a problem with
/// it, unless the order was cancelled) and total, and "cancel order" while a web order is still
/// `placed`.
fn order_markup(
    lang: Lang,
    session: &Session,
    order: &Order,
    notice: Option<Text>,
    feedback: &Feedback,
) -> Markup {
    let t = |key| text(lang, key);
    let here = format!("/orders/{}", order.id);
    let switch = format!("{here}{}", lang.switch_query(&[]));
    let cancellable = order.status == OrderStatus::Placed && order.channel == OrderChannel::Web;
    // A problem with a line is reported from here (`complaints.rs`), unless the order was
    // cancelled: nothing of it reached the customer.
    let complainable = order.status != OrderStatus::Cancelled;
    let units = order
        .lines
        .iter()
        .fold(0u32, |n, line| n.saturating_add(line.quantity));
    let content = html! {
        h1 { (t(Text::OrderTitle)) }
        @if let Some(notice) = notice {
            p.notice role="status" { (t(notice)) }
        }
        (alert(feedback))
        dl.facts {
            dt { (t(Text::OrderNumber)) } dd { code { (order.id) } }
            dt { (t(Text::Date)) } dd { (lang.day_of(&order.placed_at, crate::time_zone())) }
            dt { (t(Text::Status)) } dd { (status_markup(lang, order.status)) }
            dt { (t(Text::ShipDate)) }
            dd {
                @if let Some(shipped) = &order.ship_date {
                    (lang.date(shipped))
                } @else {
                    (t(Text::NotShipped))
                }
            }
            @if let Some(address) = &order.address_id {
                dt { (t(Text::AddressOnFile)) } dd { code { (address) } }
            }
            @if !order.notes.is_empty() {
                dt { (t(Text::Notes)) } dd { (order.notes) }
            }
        }
        div.scroll { table {
            thead { tr {
                th scope="col" { (t(Text::Product)) }
                th scope="col" { (t(Text::Sku)) }
                th scope="col" class="num" { (t(Text::UnitPrice)) }
                th scope="col" class="num" { (t(Text::Quantity)) }
                th scope="col" class="num" { (t(Text::LineTotal)) }
            } }
            tbody {
                @for (no, line) in (1u32..).zip(&order.lines) {
                    tr {
                        td {
                            (line.product_name)
                            @if complainable {
                                br;
                                a href=(format!(
                                    "/complaints/new?order={}&line={no}",
                                    lang::percent_encode(&order.id)
                                ))
                                    aria-label=(format!(
                                        "{}: {}", t(Text::ReportProblem), line.product_name
                                    )) {
                                    (t(Text::ReportProblem))
                                }
                            }
                        }
                        td { (line.sku) }
                        td class="num" { (lang::money(line.unit_price)) }
                        td class="num" { (line.quantity) }
                        td class="num" { (lang::money(line.line_total)) }
                    }
                }
            }
            tfoot { tr {
                th scope="row" colspan="3" { (t(Text::Total)) }
                td class="num" { (units) }
                td class="num" { (lang::money(order.total)) }
            } }
        } }
        div.actions {
            @if cancellable {
                form.inline method="post" action=(format!("{here}/cancel")) {
                    input type="hidden" name="csrf_token" value=(session.csrf_token);
                    input type="hidden" name="lang" value=(lang.tag());
                    button type="submit" { (t(Text::CancelOrder)) }
                }
            }
            a href="/orders" { (t(Text::BackToOrders)) }
        }
    };
    layout::page(lang, t(Text::OrderTitle), Some(session), &switch, content)
}
