//! The complaints of a signed-in customer, in zh-CN or en: reporting a problem with a line of
//! one of their orders, their complaints, and one complaint with what they may do to it now.
//!
//! `GET /complaints/new?order=<id>&line=<n>` (the form, linked from each line of an order's
//! page: the product, batch and order, a category, a description and up to 4 photos),
//! `POST /complaints` (files it, channel `portal`), `GET /complaints` (newest first, a page at a time with `?cursor=`),
//! `GET /complaints/{id}` (its status, what was reported, the timeline as the customer may see
//! it, the result once closed, the rating, and the forms the complaint allows now), and
//! `POST /complaints/{id}/actions` (`action` = `reply`, `reopen`, `confirm_receipt` or `rate`,
//! with `text`, `score` and `service_request_id`; a reply or reopening with `photos` too), and
//! `GET /complaints/{id}/photos/{photo}` (a photo they sent). The forms with photos post
//! `multipart/form-data` (`form::with_files`); a photo over 2 MiB is answered 413, one that is
//! not a JPEG, PNG or WebP picture, or more than 4, 422, next to the file input.
//!
//! A visitor is sent to sign in and back (303 to `/sign-in?next=…`); a form without the
//! session's CSRF token, or from another site's page, is refused (403). A form that works
//! answers 303 (Post/Redirect/Get) to the complaint with a confirmation (`?filed=1`,
//! `?done=reply|reopen|receipt|rating`); one that does not is shown again with the status of the
//! problem: 422 naming the input at fault, 409 what the complaint's state does not allow (in
//! records' words) or an order or line that is not the customer's. Another customer's
//! complaint, or none, is a 404 page. Records decides whose order and complaint is whose, what
//! the timeline shows (no internal events, no staff) and what each status allows (`may_reply`,
//! `may_reopen`, `may_rate`, `awaiting_receipt`); these pages only ask and show.
//!
//! Filing happens at most once per form: the page embeds an idempotency key of 128 random bits
//! (a new one each time it is shown), and the complaint is filed with it and a fingerprint of
//! the order, line, category, description and the photos' SHA-256 (`forms::fingerprint`), so a
//! double click or a retry lands on the first complaint.
//!
//! Instants are shown in the deployment's time zone (the `time_zone` variable) with its offset
//! from UTC, in the page's language.

use crate::form::{self, alert, Feedback, Upload};
use crate::layout::{self, html_response, see_other};
use crate::session;
use crate::shop::{self, ended, new_key, page_lang, plausible_key, posting, signed_in};
use crm_domain::complaint::{check_photos, PhotoProblem};
use crm_guest::accounts::Session;
use crm_guest::complaints::{
    self, ComplaintStatus, MyComplaint, MyComplaintAction, MyComplaintEvent, MyComplaintInput,
    MyNewComplaint,
};
use crm_guest::forms;
use crm_guest::lang::{self, Lang};
use crm_guest::names;
use crm_guest::orders::{self, Order, OrderLine};
use crm_guest::request::query_pairs;
use crm_guest::types::{Error, FieldProblem, IdempotencyKey};
use crm_guest::views::complaints as complaint_views;
use crm_guest::{ApiResult, Params};
use maud::{html, Markup};
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

/// Complaints on one page of `GET /complaints`.
const COMPLAINTS_PAGE: u32 = 20;
/// The most characters of a description, a reply or a reason to reopen (records' rule).
const MAX_TEXT: usize = 4000;
/// The most characters of a rating's comment (records' rule).
const MAX_COMMENT: usize = 2000;
/// The categories a customer chooses from, as records stores them (the English key).
const CATEGORIES: &[&str] = &[
    "packaging",
    "quality",
    "skin_reaction",
    "delivery",
    "expiry",
    "wrong_item",
    "other",
];

/// The text of the complaint pages.
#[derive(Clone, Copy)]
enum Text {
    NewTitle,
    NewIntro,
    Product,
    Batch,
    NoBatch,
    Order,
    OrderLine,
    OrderDate,
    Category,
    ChooseCategory,
    Description,
    DescriptionHint,
    Send,
    BadCategory,
    BadDescription,
    NotFiled,
    KeyUsed,
    CheckAgain,
    NoSuchOrder,
    NoSuchLine,
    BackToOrders,
    Packaging,
    Quality,
    SkinReaction,
    Delivery,
    Expiry,
    WrongItem,
    Other,
    ListTitle,
    NoComplaints,
    NoMoreComplaints,
    HowToReport,
    Date,
    ComplaintNumber,
    Status,
    More,
    ComplaintTitle,
    FiledNotice,
    RepliedNotice,
    ReopenedNotice,
    ReceivedNotice,
    RatedNotice,
    Filed,
    LastUpdate,
    Result,
    Timeline,
    KindFiled,
    FiledPortal,
    FiledPhone,
    FiledVisit,
    FiledEmail,
    KindStatus,
    KindReply,
    KindCustomerReply,
    KindService,
    KindRating,
    KindOther,
    ReplyTitle,
    ReplyHint,
    YourReply,
    SendReply,
    ReopenTitle,
    ReopenHint,
    Reason,
    Reopen,
    ReceiptTitle,
    ReceiptHint,
    Replacement,
    Received,
    RateTitle,
    Score,
    Score1,
    Score2,
    Score3,
    Score4,
    Score5,
    CommentOptional,
    SendRating,
    YourRating,
    NotDone,
    BadReply,
    BadReason,
    BadScore,
    BadComment,
    NotFoundTitle,
    NotFoundText,
    BackToComplaints,
    New,
    Acknowledged,
    InProgress,
    WaitingOnCustomer,
    Resolved,
    Closed,
    Photos,
    PhotosHint,
    TooManyPhotos,
    PhotoTooLarge,
    NotAPicture,
    BadPhotos,
    YourPhotos,
    PhotoAlt,
}

fn text(lang: Lang, key: Text) -> &'static str {
    use Text::*;
    let (zh, en) = match key {
        NewTitle => ("报告问题", "Report a problem"),
        NewIntro => (
            "请告诉我们这件商品出了什么问题，我们会尽快答复您。",
            "Tell us what went wrong with this item: we will answer as soon as we can.",
        ),
        Product => ("产品", "Product"),
        Batch => ("批号", "Batch"),
        NoBatch => ("未记录", "Not recorded"),
        Order => ("订单", "Order"),
        OrderLine => ("第 {} 行", "line {}"),
        OrderDate => ("下单日期", "Order date"),
        Category => ("问题类型", "Kind of problem"),
        ChooseCategory => ("请选择", "Choose one"),
        Description => ("问题描述", "What happened"),
        DescriptionHint => (
            "1–4000 个字符：您发现了什么、何时发现、涉及多少件。",
            "1–4000 characters: what you found, when, and how many units.",
        ),
        Send => ("提交", "Send"),
        BadCategory => ("请选择问题类型。", "Choose the kind of problem."),
        BadDescription => (
            "请描述问题（1–4000 个字符）。",
            "Describe what happened (1–4000 characters).",
        ),
        NotFiled => ("问题未能提交：", "The problem could not be reported: "),
        KeyUsed => (
            "此表单已用于提交另一项投诉。请核对后重新提交。",
            "This form was already used for another complaint: check it and send it again.",
        ),
        CheckAgain => (
            "此表单已失效。请核对后重新提交。",
            "This form has expired: check it and send it again.",
        ),
        NoSuchOrder => (
            "您的账户中没有此订单：",
            "There is no such order in your account: ",
        ),
        NoSuchLine => ("此订单中没有这一行：", "The order has no such line: "),
        BackToOrders => ("返回我的订单", "Back to my orders"),
        Packaging => ("包装问题", "Packaging"),
        Quality => ("质量问题", "Quality"),
        SkinReaction => ("皮肤不良反应", "Skin reaction"),
        Delivery => ("配送问题", "Delivery"),
        Expiry => ("保质期问题", "Expiry date"),
        WrongItem => ("发错商品", "Wrong item"),
        Other => ("其他", "Other"),
        ListTitle => ("我的投诉", "My complaints"),
        NoComplaints => ("您还没有投诉。", "You have no complaints."),
        NoMoreComplaints => ("没有更多投诉了。", "There are no more complaints."),
        HowToReport => (
            "如需报告问题，请打开相关订单，在商品旁选择“报告问题”。",
            "To report a problem, open the order and choose “Report a problem” next to the item.",
        ),
        Date => ("提交日期", "Date"),
        ComplaintNumber => ("投诉编号", "Complaint number"),
        Status => ("状态", "Status"),
        More => ("更早的投诉", "Older complaints"),
        ComplaintTitle => ("投诉详情", "Your complaint"),
        FiledNotice => (
            "谢谢！我们已收到您的投诉，会尽快答复。",
            "Thank you: we received your complaint and will answer soon.",
        ),
        RepliedNotice => ("您的回复已发送。", "Your reply was sent."),
        ReopenedNotice => (
            "投诉已重新打开，我们会继续处理。",
            "Your complaint was reopened: we are working on it again.",
        ),
        ReceivedNotice => (
            "谢谢您确认已收到换货。",
            "Thank you for confirming that the replacement arrived.",
        ),
        RatedNotice => ("谢谢您的评价！", "Thank you for your rating."),
        Filed => ("提交时间", "Filed"),
        LastUpdate => ("最后更新", "Last update"),
        Result => ("处理结果", "Result"),
        Timeline => ("处理记录", "What happened so far"),
        KindFiled => ("投诉已提交", "Complaint filed"),
        FiledPortal => ("通过客户门户提交", "Filed on the portal"),
        FiledPhone => ("通过电话提交", "Filed by phone"),
        FiledVisit => ("拜访时提交", "Filed during a visit"),
        FiledEmail => ("通过电子邮件提交", "Filed by e-mail"),
        KindStatus => ("状态变更为", "Status changed to"),
        KindReply => ("我们的回复", "Reply from us"),
        KindCustomerReply => ("您的回复", "Your reply"),
        KindService => ("换货与服务", "Replacement and service"),
        KindRating => ("您的评价", "Your rating"),
        KindOther => ("更新", "Update"),
        ReplyTitle => ("回复我们", "Reply to us"),
        ReplyHint => (
            "我们正在等待您的回复，例如照片说明或确认。",
            "We are waiting for your answer, for example a description of a photo or a \
             confirmation.",
        ),
        YourReply => ("您的回复", "Your reply"),
        SendReply => ("发送回复", "Send reply"),
        ReopenTitle => ("问题没有解决？", "Not solved?"),
        ReopenHint => (
            "如果问题仍然存在，您可以重新打开投诉。",
            "If the problem is still there, you can reopen the complaint.",
        ),
        Reason => ("请说明原因", "Tell us why"),
        Reopen => ("重新打开投诉", "Reopen the complaint"),
        ReceiptTitle => ("换货已发出", "Your replacement was shipped"),
        ReceiptHint => ("收到后请告诉我们。", "Please tell us once it has arrived."),
        Replacement => ("换货", "Replacement"),
        Received => ("我已收到换货", "I received the replacement"),
        RateTitle => ("请评价我们的处理", "Rate how we handled it"),
        Score => ("您满意吗？", "How happy are you?"),
        Score1 => ("1 – 非常不满意", "1 – very unhappy"),
        Score2 => ("2 – 不满意", "2 – unhappy"),
        Score3 => ("3 – 一般", "3 – neither happy nor unhappy"),
        Score4 => ("4 – 满意", "4 – happy"),
        Score5 => ("5 – 非常满意", "5 – very happy"),
        CommentOptional => ("意见（可不填）", "Comment (optional)"),
        SendRating => ("提交评价", "Send rating"),
        YourRating => ("您的评价", "Your rating"),
        NotDone => ("未能完成：", "This could not be done: "),
        BadReply => (
            "请填写回复（1–4000 个字符）。",
            "Write your reply (1–4000 characters).",
        ),
        BadReason => (
            "请说明重新打开的原因（1–4000 个字符）。",
            "Say why you reopen it (1–4000 characters).",
        ),
        BadScore => ("请选择 1 到 5 分。", "Choose a score from 1 to 5."),
        BadComment => (
            "意见最多 2000 个字符。",
            "A comment is at most 2000 characters.",
        ),
        NotFoundTitle => ("找不到投诉", "Complaint not found"),
        NotFoundText => (
            "您的账户中没有这项投诉。",
            "There is no such complaint in your account.",
        ),
        BackToComplaints => ("返回我的投诉", "Back to my complaints"),
        New => ("新投诉", "New"),
        Acknowledged => ("已受理", "Acknowledged"),
        InProgress => ("处理中", "In progress"),
        WaitingOnCustomer => ("等待您的回复", "Waiting for your reply"),
        Resolved => ("已解决", "Resolved"),
        Closed => ("已关闭", "Closed"),
        Photos => ("照片（可不填）", "Photos (optional)"),
        PhotosHint => (
            "最多 4 张 JPEG、PNG 或 WebP 图片，每张不超过 2 MB。",
            "Up to 4 JPEG, PNG or WebP pictures, each at most 2 MB.",
        ),
        TooManyPhotos => (
            "一次最多发送 4 张照片，请重新选择。",
            "Send at most 4 photos at a time: choose them again.",
        ),
        PhotoTooLarge => (
            "第 {} 张照片超过 2 MB，请选择较小的图片。",
            "Photo {} is larger than 2 MB: choose a smaller picture.",
        ),
        NotAPicture => (
            "第 {} 张照片不是 JPEG、PNG 或 WebP 图片。",
            "Photo {} is not a JPEG, PNG or WebP picture.",
        ),
        BadPhotos => ("无法接收这些照片。", "These photos could not be taken."),
        YourPhotos => ("照片", "Photos"),
        PhotoAlt => ("您发送的第 {} 张照片", "Photo {} you sent"),
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

/// A complaint's status in words.
fn status_text(lang: Lang, status: ComplaintStatus) -> &'static str {
    let key = match status {
        ComplaintStatus::New => Text::New,
        ComplaintStatus::Acknowledged => Text::Acknowledged,
        ComplaintStatus::InProgress => Text::InProgress,
        ComplaintStatus::WaitingOnCustomer => Text::WaitingOnCustomer,
        ComplaintStatus::Resolved => Text::Resolved,
        ComplaintStatus::Closed => Text::Closed,
    };
    text(lang, key)
}

/// A complaint's status in words, with its API name (`in_progress`…) in `data-status`.
fn status_markup(lang: Lang, status: ComplaintStatus) -> Markup {
    html! {
        span data-status=(names::ComplaintStatus::from(status).as_str()) {
            (status_text(lang, status))
        }
    }
}

/// A category in words; one the portal does not offer (staff file others) as it is.
fn category_text(lang: Lang, category: &str) -> String {
    let key = match category {
        "packaging" => Text::Packaging,
        "quality" => Text::Quality,
        "skin_reaction" => Text::SkinReaction,
        "delivery" => Text::Delivery,
        "expiry" => Text::Expiry,
        "wrong_item" => Text::WrongItem,
        "other" => Text::Other,
        other => return other.to_owned(),
    };
    text(lang, key).to_owned()
}

/// The words of a score, 1–5.
fn score_text(lang: Lang, score: u8) -> &'static str {
    let key = match score {
        0 | 1 => Text::Score1,
        2 => Text::Score2,
        3 => Text::Score3,
        4 => Text::Score4,
        _ => Text::Score5,
    };
    text(lang, key)
}

/// "line 2" of an order, in words.
fn line_words(lang: Lang, line_no: u32) -> String {
    text(lang, Text::OrderLine).replace("{}", &line_no.to_string())
}

/// An RFC 3339 instant as a reader writes it, in the deployment's time zone:
/// `2026年11月23日 09:00（UTC+8）`, `23 Nov 2026, 09:00 UTC+8`; anything else as it is.
fn when(lang: Lang, instant: &str) -> String {
    lang.instant(instant, crate::time_zone())
}

/// Line `line_no` (1-based) of an order.
fn line_of(order: &Order, line_no: u32) -> Option<&OrderLine> {
    let index = usize::try_from(line_no.checked_sub(1)?).ok()?;
    order.lines.get(index)
}

/// A line number typed or posted: a whole number from 1.
fn line_number(typed: &str) -> Option<u32> {
    typed.trim().parse::<u32>().ok().filter(|no| *no >= 1)
}

// ---------------------------------------------------------------------------------------------
// Forms. Numbers are taken as text and parsed here: a field that does not parse would make the
// whole form read as empty (`forms::body`), its CSRF token too.

/// The form that reports a problem with an order line.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ComplaintForm {
    csrf_token: String,
    /// The order, as the page showed it.
    order: String,
    /// Its line, 1-based.
    line: String,
    /// The key the page made for this form.
    idempotency_key: String,
    /// One of [`CATEGORIES`].
    category: String,
    description: String,
    lang: Option<String>,
}

/// What the customer does to a complaint: one form per action on its page.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    csrf_token: String,
    /// `reply`, `reopen`, `confirm_receipt` or `rate`.
    action: String,
    /// The reply, the reason to reopen, or the rating's comment.
    text: String,
    /// For `rate`: 1–5.
    score: String,
    /// For `confirm_receipt`: the shipped service request.
    service_request_id: String,
    lang: Option<String>,
}

/// The action a form posts, by its API name (`reply`, `confirm_receipt`…).
fn action_of(name: &str) -> Option<MyComplaintAction> {
    name.trim()
        .parse::<names::MyComplaintAction>()
        .ok()
        .map(MyComplaintAction::from)
}

/// The API name of an action, the `action` value of its form.
fn action_name(action: MyComplaintAction) -> &'static str {
    names::MyComplaintAction::from(action).as_str()
}

/// What `?done=` says after an action.
fn done_of(action: MyComplaintAction) -> &'static str {
    match action {
        MyComplaintAction::Reply => "reply",
        MyComplaintAction::Reopen => "reopen",
        MyComplaintAction::ConfirmReceipt => "receipt",
        MyComplaintAction::Rate => "rating",
    }
}

/// The id of the text input of an action's form (all are named `text`), under which its
/// message is shown.
fn text_input(action: MyComplaintAction) -> &'static str {
    match action {
        MyComplaintAction::Reply => "reply-text",
        MyComplaintAction::Reopen => "reopen-text",
        MyComplaintAction::ConfirmReceipt => "receipt-text",
        MyComplaintAction::Rate => "rate-text",
    }
}

/// What was typed in the form of `action`, to show it there again.
fn typed_in(typed: &ActionForm, action: MyComplaintAction) -> &str {
    if typed.action.trim() == action_name(action) {
        &typed.text
    } else {
        ""
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// `GET /complaints/new?order=<id>&line=<n>`: the form that reports a problem with a line of
/// one of the customer's orders, with a new idempotency key. An order that is not theirs, or
/// a line it does not have, is a 404 page.
pub fn new_complaint(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, cookie) = page_lang(req, &pairs);
    let order_id = forms::param(&pairs, "order").unwrap_or_default();
    let line = forms::param(&pairs, "line").unwrap_or_default();
    let here = format!(
        "/complaints/new?order={}&line={}",
        lang::percent_encode(order_id),
        lang::percent_encode(line)
    );
    let session = match signed_in(req, &here)? {
        Ok(session) => session,
        Err(visitor) => return Ok(visitor),
    };
    let Some(line_no) = line_number(line).filter(|_| !order_id.is_empty()) else {
        return Ok(shop::not_found(lang, &session));
    };
    match orders::my_order(&session::credential(&session), order_id) {
        Ok(order) if line_of(&order, line_no).is_some() => {
            let typed = ComplaintForm {
                order: order.id.clone(),
                line: line_no.to_string(),
                idempotency_key: new_key()?,
                ..ComplaintForm::default()
            };
            let markup = new_markup(
                lang,
                &session,
                Some(&order),
                Some(line_no),
                &typed,
                &Feedback::default(),
            );
            Ok(html_response(200, lang, true, cookie, markup))
        }
        Ok(_) | Err(Error::NotFound(_) | Error::Invalid(_)) => Ok(shop::not_found(lang, &session)),
        Err(error) => ended(req, &here, error),
    }
}

/// `POST /complaints`: files the complaint and shows it (303 to `/complaints/{id}?filed=1`); the
/// same form posted again (a double click, a retry) lands on the same complaint. Else the form
/// again: 422 naming the input at fault (or a form whose key was used for another complaint,
/// with a new key), 409 an order or line that is not the customer's, or another conflict in
/// records' words; 403 without the session's CSRF token.
pub fn file_complaint(req: &Request, _params: &Params) -> ApiResult {
    let (mut typed, files): (ComplaintForm, _) = form::with_files(req)?;
    let (lang, _) = Lang::of(req, typed.lang.as_deref());
    let session = match posting(req, lang, "/complaints", &typed.csrf_token)? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let t = |key| text(lang, key);
    let who = session::credential(&session);
    let order_id = typed.order.trim().to_owned();
    let line_no = line_number(&typed.line);
    // The order as the form showed it, to show the form again; records decides whether the
    // customer may complain about it.
    let order = if order_id.is_empty() {
        None
    } else {
        match orders::my_order(&who, &order_id) {
            Ok(order) => Some(order),
            Err(Error::NotFound(_) | Error::Invalid(_)) => None,
            Err(error) => return ended(req, "/complaints", error),
        }
    };
    let again = |typed: &ComplaintForm, status: u16, feedback: Feedback| -> ApiResult {
        let markup = new_markup(lang, &session, order.as_ref(), line_no, typed, &feedback);
        Ok(html_response(status, lang, true, None, markup))
    };
    let key = typed.idempotency_key.trim().to_owned();
    if !plausible_key(&key) {
        typed.idempotency_key = new_key()?;
        return again(&typed, 422, Feedback::alert(t(Text::CheckAgain)));
    }
    let Some(line_no) = line_no.filter(|_| !order_id.is_empty()) else {
        return again(&typed, 422, Feedback::alert(t(Text::CheckAgain)));
    };
    let category = typed.category.trim().to_owned();
    if !CATEGORIES.contains(&category.as_str()) {
        let feedback = Feedback::field("category", t(Text::BadCategory));
        return again(&typed, 422, feedback);
    }
    let description = typed.description.trim().to_owned();
    if !(1..=MAX_TEXT).contains(&description.chars().count()) {
        let feedback = Feedback::field("description", t(Text::BadDescription));
        return again(&typed, 422, feedback);
    }
    let photos = match photos_of(lang, files, "photos") {
        Ok(photos) => photos,
        Err((status, feedback)) => return again(&typed, status, feedback),
    };
    // What the complaint says, as posted: the same form posted again has the same.
    let line = line_no.to_string();
    let digests: Vec<String> = photos
        .iter()
        .map(|photo| forms::sha256_hex(photo))
        .collect();
    let mut parts = vec![
        "POST /complaints",
        order_id.as_str(),
        line.as_str(),
        category.as_str(),
        description.as_str(),
    ];
    parts.extend(digests.iter().map(String::as_str));
    let fingerprint = forms::fingerprint(&parts);
    let once = IdempotencyKey { key, fingerprint };
    let input = MyNewComplaint {
        order_id: order_id.clone(),
        line_no,
        category,
        description,
        photos,
    };
    match complaints::file_my_complaint(&who, &input, Some(&once)) {
        Ok(complaint) => Ok(see_other(
            &format!("/complaints/{}?filed=1", complaint.id),
            None,
        )),
        // The key filed another complaint (or is not one records takes): a new form.
        Err(Error::Invalid(problem)) if problem.field.eq_ignore_ascii_case("idempotency-key") => {
            typed.idempotency_key = new_key()?;
            again(&typed, 422, Feedback::alert(t(Text::KeyUsed)))
        }
        Err(Error::Invalid(problem)) => again(&typed, 422, filing_invalid(lang, &problem)),
        // Another customer's order, or a line the order does not have.
        Err(Error::Missing(problem)) => {
            let message = if last_part(&problem.field) == "line_no" {
                format!(
                    "{}{order_id}, {}",
                    t(Text::NoSuchLine),
                    line_words(lang, line_no)
                )
            } else if last_part(&problem.field) == "order_id" {
                format!("{}{order_id}", t(Text::NoSuchOrder))
            } else {
                format!("{}{}", t(Text::NotFiled), problem.message)
            };
            again(&typed, 409, Feedback::alert(message))
        }
        Err(Error::NotFound(_)) => {
            let message = format!("{}{order_id}", t(Text::NoSuchOrder));
            again(&typed, 409, Feedback::alert(message))
        }
        Err(Error::Conflict(why)) => {
            let message = format!("{}{why}", t(Text::NotFiled));
            again(&typed, 409, Feedback::alert(message))
        }
        Err(error) => ended(req, "/complaints", error),
    }
}

/// The photos posted in the form's file input (`photos`), checked by the rules records applies
/// (`crm_domain::complaint::parse_photos`), so that the form can say which is at fault in the
/// page's language, under the input `shown_under`: too many (422), one too large (413) or not
/// a picture (422).
fn photos_of(
    lang: Lang,
    files: Vec<Upload>,
    shown_under: &'static str,
) -> Result<Vec<Vec<u8>>, (u16, Feedback)> {
    let photos: Vec<Vec<u8>> = files
        .into_iter()
        .filter(|file| file.input == "photos")
        .map(|file| file.bytes)
        .collect();
    let Err(problem) = check_photos(&photos) else {
        return Ok(photos);
    };
    let t = |key| text(lang, key);
    let (status, message) = match problem {
        PhotoProblem::TooMany(_) => (422, t(Text::TooManyPhotos).to_owned()),
        PhotoProblem::TooLarge(which, _) => (
            413,
            t(Text::PhotoTooLarge).replace("{}", &which.to_string()),
        ),
        // An empty file is not a picture either.
        PhotoProblem::NotAPicture(which) | PhotoProblem::Empty(which) => {
            (422, t(Text::NotAPicture).replace("{}", &which.to_string()))
        }
    };
    Err((status, Feedback::field(shown_under, message)))
}

/// The last part of a field name records gives (`input.category` → `category`).
fn last_part(field: &str) -> &str {
    field.rsplit(['.', '/']).next().unwrap_or_default()
}

/// Records' complaint about an input of the filing form: under the input, in the page's
/// language with records' own words added in English; above the form when it is about none of
/// them.
fn filing_invalid(lang: Lang, problem: &FieldProblem) -> Feedback {
    let (input, hint) = match last_part(&problem.field) {
        "category" => ("category", Text::BadCategory),
        "description" => ("description", Text::BadDescription),
        "photos" => ("photos", Text::BadPhotos),
        _ => return Feedback::alert(format!("{}{}", text(lang, Text::NotFiled), problem.message)),
    };
    Feedback::field(input, in_words(lang, text(lang, hint), problem))
}

/// A hint in the page's language, records' own words added in English.
fn in_words(lang: Lang, hint: &str, problem: &FieldProblem) -> String {
    match lang {
        Lang::En if !problem.message.trim().is_empty() => {
            format!("{hint} ({})", problem.message.trim())
        }
        _ => hint.to_owned(),
    }
}

/// `GET /complaints`: the customer's complaints, newest first, `?cursor=` for the next page.
pub fn complaint_list(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, cookie) = page_lang(req, &pairs);
    let session = match signed_in(req, "/complaints")? {
        Ok(session) => session,
        Err(visitor) => return Ok(visitor),
    };
    let cursor = forms::param(&pairs, "cursor");
    let who = session::credential(&session);
    let page = match complaints::my_complaints(&who, COMPLAINTS_PAGE, cursor) {
        Ok(page) => page,
        Err(error) => return ended(req, "/complaints", error),
    };
    let t = |key| text(lang, key);
    let switch = format!(
        "/complaints{}",
        lang.switch_query(&[("cursor", cursor.unwrap_or_default())])
    );
    let content = html! {
        h1 { (t(Text::ListTitle)) }
        @if page.items.is_empty() {
            p { (t(if cursor.is_some() { Text::NoMoreComplaints } else { Text::NoComplaints })) }
        } @else {
            div.scroll { table {
                thead { tr {
                    th scope="col" { (t(Text::Date)) }
                    th scope="col" { (t(Text::ComplaintNumber)) }
                    th scope="col" { (t(Text::Category)) }
                    th scope="col" { (t(Text::Status)) }
                } }
                tbody {
                    @for complaint in &page.items {
                        tr {
                            td { (lang.day_of(&complaint.created_at, crate::time_zone())) }
                            td {
                                a href=(format!("/complaints/{}", complaint.id)) { (complaint.id) }
                            }
                            td { (category_text(lang, &complaint.category)) }
                            td { (status_markup(lang, complaint.status)) }
                        }
                    }
                }
            } }
        }
        @if let Some(next) = &page.next_cursor {
            p { a href=(format!("/complaints?cursor={}", lang::percent_encode(next))) rel="next" {
                (t(Text::More))
            } }
        }
        p.hint { (t(Text::HowToReport)) }
        p { a href="/orders" { (t(Text::BackToOrders)) } }
    };
    let markup = layout::page(lang, t(Text::ListTitle), Some(&session), &switch, content);
    Ok(html_response(200, lang, true, cookie, markup))
}

/// `GET /complaints/{id}`: one of the customer's complaints; `?filed=1` and
/// `?done=reply|reopen|receipt|rating` confirm what was just done. Another customer's
/// complaint, or none, is a 404 page.
pub fn complaint_page(req: &Request, params: &Params) -> ApiResult {
    let id = params.get("id");
    let pairs = query_pairs(req.query());
    let (lang, cookie) = page_lang(req, &pairs);
    let here = format!("/complaints/{id}");
    let session = match signed_in(req, &here)? {
        Ok(session) => session,
        Err(visitor) => return Ok(visitor),
    };
    let notice = if forms::param(&pairs, "filed") == Some("1") {
        Some(Text::FiledNotice)
    } else {
        match forms::param(&pairs, "done") {
            Some("reply") => Some(Text::RepliedNotice),
            Some("reopen") => Some(Text::ReopenedNotice),
            Some("receipt") => Some(Text::ReceivedNotice),
            Some("rating") => Some(Text::RatedNotice),
            _ => None,
        }
    };
    match complaints::get_my_complaint(&session::credential(&session), id) {
        Ok(complaint) => {
            let markup = complaint_markup(
                lang,
                &session,
                &complaint,
                notice,
                &ActionForm::default(),
                &Feedback::default(),
            );
            Ok(html_response(200, lang, true, cookie, markup))
        }
        Err(Error::NotFound(_) | Error::Invalid(_)) => Ok(not_found(lang, &session)),
        Err(error) => ended(req, &here, error),
    }
}

/// `GET /complaints/{id}/photos/{photo}`: a photo the customer attached to one of their
/// complaints, as the picture itself (`views::complaints::photo_response`). Another customer's
/// complaint, a photo of another complaint, or none, is a 404 page.
pub fn photo(req: &Request, params: &Params) -> ApiResult {
    let id = params.get("id");
    let pairs = query_pairs(req.query());
    let (lang, _) = page_lang(req, &pairs);
    let here = format!("/complaints/{id}");
    let session = match signed_in(req, &here)? {
        Ok(session) => session,
        Err(visitor) => return Ok(visitor),
    };
    let who = session::credential(&session);
    match complaints::my_complaint_photo(&who, id, params.get("photo")) {
        Ok(photo) => Ok(complaint_views::photo_response(&photo)),
        Err(Error::NotFound(_) | Error::Invalid(_)) => Ok(not_found(lang, &session)),
        Err(error) => ended(req, &here, error),
    }
}

/// `POST /complaints/{id}/actions`: the customer replies, reopens, confirms the receipt of a
/// replacement or rates, and sees the complaint again (303 to `/complaints/{id}?done=…`). Else
/// the complaint again: 409 what its state does not allow or a service request that is not
/// the complaint's (records' words), 422 naming the input at fault; 404 another customer's
/// complaint; 403 without the session's CSRF token.
pub fn act(req: &Request, params: &Params) -> ApiResult {
    let (typed, files): (ActionForm, _) = form::with_files(req)?;
    let (lang, _) = Lang::of(req, typed.lang.as_deref());
    let id = params.get("id");
    let here = format!("/complaints/{id}");
    let session = match posting(req, lang, &here, &typed.csrf_token)? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let t = |key| text(lang, key);
    let who = session::credential(&session);
    let again = |status: u16, feedback: Feedback| -> ApiResult {
        match complaints::get_my_complaint(&who, id) {
            Ok(complaint) => {
                let markup = complaint_markup(lang, &session, &complaint, None, &typed, &feedback);
                Ok(html_response(status, lang, true, None, markup))
            }
            Err(Error::NotFound(_) | Error::Invalid(_)) => Ok(not_found(lang, &session)),
            Err(error) => ended(req, &here, error),
        }
    };
    let Some(action) = action_of(&typed.action) else {
        return again(422, Feedback::alert(t(Text::CheckAgain)));
    };
    let words = typed.text.trim();
    let length = words.chars().count();
    let bad_text = match action {
        MyComplaintAction::Reply if !(1..=MAX_TEXT).contains(&length) => Some(Text::BadReply),
        MyComplaintAction::Reopen if !(1..=MAX_TEXT).contains(&length) => Some(Text::BadReason),
        MyComplaintAction::Rate if length > MAX_COMMENT => Some(Text::BadComment),
        _ => None,
    };
    if let Some(message) = bad_text {
        return again(422, Feedback::field(text_input(action), t(message)));
    }
    let score = match action {
        MyComplaintAction::Rate => {
            let score = typed.score.trim().parse::<u8>().ok();
            let Some(score) = score.filter(|score| (1..=5).contains(score)) else {
                return again(422, Feedback::field("score", t(Text::BadScore)));
            };
            Some(score)
        }
        _ => None,
    };
    let service_request_id = match action {
        MyComplaintAction::ConfirmReceipt => {
            let Some(request) = Some(typed.service_request_id.trim()).filter(|r| !r.is_empty())
            else {
                return again(422, Feedback::alert(t(Text::CheckAgain)));
            };
            Some(request.to_owned())
        }
        _ => None,
    };
    // Photos come with a reply or a reopening; the other forms have no file input.
    let photos = match action {
        MyComplaintAction::Reply | MyComplaintAction::Reopen => {
            match photos_of(lang, files, photo_input_of(action)) {
                Ok(photos) => photos,
                Err((status, feedback)) => return again(status, feedback),
            }
        }
        _ => Vec::new(),
    };
    let input = MyComplaintInput {
        action,
        text: match action {
            MyComplaintAction::ConfirmReceipt => String::new(),
            _ => words.to_owned(),
        },
        score,
        service_request_id,
        photos,
    };
    match complaints::act_on_my_complaint(&who, id, &input) {
        Ok(complaint) => Ok(see_other(
            &format!("/complaints/{}?done={}", complaint.id, done_of(action)),
            None,
        )),
        // Another customer's complaint (`again` shows the 404 page), or a service request that
        // is not one of this complaint's.
        Err(Error::NotFound(what)) => {
            again(409, Feedback::alert(format!("{}{what}", t(Text::NotDone))))
        }
        Err(Error::Invalid(problem)) => again(422, action_invalid(lang, action, &problem)),
        Err(Error::Missing(problem)) => again(
            409,
            Feedback::alert(format!("{}{}", t(Text::NotDone), problem.message)),
        ),
        Err(Error::Conflict(why)) => {
            again(409, Feedback::alert(format!("{}{why}", t(Text::NotDone))))
        }
        Err(error) => ended(req, &here, error),
    }
}

/// Records' complaint about an input of an action's form: under the text or the score, in the
/// page's language with records' own words added in English; above the forms otherwise.
fn action_invalid(lang: Lang, action: MyComplaintAction, problem: &FieldProblem) -> Feedback {
    let (input, hint) = match (last_part(&problem.field), action) {
        ("score", _) => ("score", Text::BadScore),
        ("photos", _) => (photo_input_of(action), Text::BadPhotos),
        ("text" | "comment" | "reason", MyComplaintAction::Reply) => {
            (text_input(action), Text::BadReply)
        }
        ("text" | "comment" | "reason", MyComplaintAction::Reopen) => {
            (text_input(action), Text::BadReason)
        }
        ("text" | "comment" | "reason", MyComplaintAction::Rate) => {
            (text_input(action), Text::BadComment)
        }
        (_, _) => {
            return Feedback::alert(format!("{}{}", text(lang, Text::NotDone), problem.message))
        }
    };
    Feedback::field(input, in_words(lang, text(lang, hint), problem))
}

/// 404: no complaint of this customer has the id (another customer's is not theirs to see).
fn not_found(lang: Lang, session: &Session) -> Response {
    let t = |key| text(lang, key);
    let switch = format!("/complaints{}", lang.switch_query(&[]));
    let content = html! {
        h1 { (t(Text::NotFoundTitle)) }
        p { (t(Text::NotFoundText)) }
        p { a href="/complaints" { (t(Text::BackToComplaints)) } }
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

/// The product, batch and order of a line, as facts.
fn line_facts(lang: Lang, order: &Order, line_no: u32, line: &OrderLine) -> Markup {
    let t = |key| text(lang, key);
    html! {
        dt { (t(Text::Product)) } dd { (line.product_name) " (" (line.sku) ")" }
        dt { (t(Text::Batch)) }
        dd {
            @if line.batch_number.is_empty() { (t(Text::NoBatch)) } @else { (line.batch_number) }
        }
        dt { (t(Text::Order)) }
        dd {
            a href=(format!("/orders/{}", order.id)) { code { (order.id) } }
            ", " (line_words(lang, line_no))
        }
        dt { (t(Text::OrderDate)) } dd { (lang.day_of(&order.placed_at, crate::time_zone())) }
    }
}

/// The form that reports a problem with line `line_no` of `order`, keeping what was typed
/// (`typed`) and showing what went wrong (`feedback`); without the order or its line (not the
/// customer's), only what went wrong.
fn new_markup(
    lang: Lang,
    session: &Session,
    order: Option<&Order>,
    line_no: Option<u32>,
    typed: &ComplaintForm,
    feedback: &Feedback,
) -> Markup {
    let t = |key| text(lang, key);
    let switch = format!(
        "/complaints/new{}",
        lang.switch_query(&[("order", typed.order.trim()), ("line", typed.line.trim())])
    );
    let target = order
        .zip(line_no)
        .and_then(|(order, no)| line_of(order, no).map(|line| (order, no, line)));
    let category_error = feedback.about("category");
    let description_error = feedback.about("description");
    let content = html! {
        h1 { (t(Text::NewTitle)) }
        (alert(feedback))
        @if let Some((order, line_no, line)) = target {
            p { (t(Text::NewIntro)) }
            dl.facts { (line_facts(lang, order, line_no, line)) }
            form.stack method="post" action="/complaints" enctype="multipart/form-data" {
                label for="category" { (t(Text::Category)) }
                select id="category" name="category" required
                    aria-invalid=[category_error.map(|_| "true")]
                    aria-describedby=[feedback.described_by("category", false)] {
                    option value="" { (t(Text::ChooseCategory)) }
                    @for category in CATEGORIES {
                        option value=(category) selected[typed.category.trim() == *category] {
                            (category_text(lang, category))
                        }
                    }
                }
                (feedback.error_under("category"))
                label for="description" { (t(Text::Description)) }
                textarea id="description" name="description" rows="6" maxlength=(MAX_TEXT)
                    required aria-invalid=[description_error.map(|_| "true")]
                    aria-describedby=[feedback.described_by("description", true)] {
                    (typed.description)
                }
                p.hint id="description-hint" { (t(Text::DescriptionHint)) }
                (feedback.error_under("description"))
                (photo_input(lang, "photos", feedback))
                input type="hidden" name="csrf_token" value=(session.csrf_token);
                input type="hidden" name="order" value=(order.id);
                input type="hidden" name="line" value=(line_no);
                input type="hidden" name="idempotency_key" value=(typed.idempotency_key);
                input type="hidden" name="lang" value=(lang.tag());
                button type="submit" { (t(Text::Send)) }
            }
        } @else if feedback.alert.is_none() {
            p.alert role="alert" { (t(Text::NoSuchOrder)) (typed.order.trim()) }
        }
        p { a href="/orders" { (t(Text::BackToOrders)) } }
    };
    layout::page(lang, t(Text::NewTitle), Some(session), &switch, content)
}

/// One complaint: its status, what was reported, the result and rating, the timeline, and the
/// forms it allows now, keeping what was typed in the one posted (`typed`) and showing what
/// went wrong (`feedback`).
fn complaint_markup(
    lang: Lang,
    session: &Session,
    complaint: &MyComplaint,
    notice: Option<Text>,
    typed: &ActionForm,
    feedback: &Feedback,
) -> Markup {
    let t = |key| text(lang, key);
    let here = format!("/complaints/{}", complaint.id);
    let switch = format!("{here}{}", lang.switch_query(&[]));
    // The order line it is about, for the product's name; records keeps the product and batch.
    let order = complaint
        .order_id
        .as_deref()
        .and_then(|id| orders::my_order(&session::credential(session), id).ok());
    let line = order
        .as_ref()
        .zip(complaint.line_no)
        .and_then(|(order, no)| line_of(order, no));
    let content = html! {
        h1 { (t(Text::ComplaintTitle)) }
        @if let Some(notice) = notice {
            p.notice role="status" { (t(notice)) }
        }
        (alert(feedback))
        dl.facts {
            dt { (t(Text::ComplaintNumber)) } dd { code { (complaint.id) } }
            dt { (t(Text::Status)) } dd { (status_markup(lang, complaint.status)) }
            dt { (t(Text::Category)) } dd { (category_text(lang, &complaint.category)) }
            dt { (t(Text::Description)) } dd.quote { (complaint.description) }
            @if let Some(line) = line {
                dt { (t(Text::Product)) } dd { (line.product_name) " (" (line.sku) ")" }
            } @else if let Some(product) = &complaint.product_id {
                dt { (t(Text::Product)) } dd { code { (product) } }
            }
            @if complaint.product_id.is_some() || !complaint.batch_number.is_empty() {
                dt { (t(Text::Batch)) }
                dd {
                    @if complaint.batch_number.is_empty() {
                        (t(Text::NoBatch))
                    } @else {
                        (complaint.batch_number)
                    }
                }
            }
            @if let Some(order_id) = &complaint.order_id {
                dt { (t(Text::Order)) }
                dd {
                    a href=(format!("/orders/{order_id}")) { code { (order_id) } }
                    @if let Some(no) = complaint.line_no { ", " (line_words(lang, no)) }
                }
            }
            dt { (t(Text::Filed)) } dd { (moment(lang, &complaint.created_at)) }
            dt { (t(Text::LastUpdate)) } dd { (moment(lang, &complaint.updated_at)) }
            @if !complaint.result.is_empty() {
                dt { (t(Text::Result)) } dd.quote data-field="result" { (complaint.result) }
            }
        }
        @if !complaint.photos.is_empty() {
            h2 { (t(Text::YourPhotos)) }
            ul.photos {
                @for (index, photo) in complaint.photos.iter().enumerate() {
                    @let url = format!("{here}/photos/{}", photo.id);
                    li {
                        a href=(url) {
                            img src=(url) loading="lazy" width="160" height="120"
                                alt=(t(Text::PhotoAlt).replace("{}", &(index + 1).to_string()));
                        }
                    }
                }
            }
        }
        @if let Some(rating) = &complaint.rating {
            h2 { (t(Text::YourRating)) }
            p data-score=(rating.score) {
                strong { (score_text(lang, rating.score)) }
                " · " (moment(lang, &rating.rated_at))
            }
            @if !rating.comment.is_empty() {
                p.quote { (rating.comment) }
            }
        }
        (actions_markup(lang, session, complaint, typed, feedback))
        h2 { (t(Text::Timeline)) }
        ol.timeline {
            @for event in &complaint.timeline {
                (event_markup(lang, event))
            }
        }
        p { a href="/complaints" { (t(Text::BackToComplaints)) } }
    };
    layout::page(
        lang,
        t(Text::ComplaintTitle),
        Some(session),
        &switch,
        content,
    )
}

/// An instant in the page's language, in a `<time>` element.
fn moment(lang: Lang, instant: &str) -> Markup {
    html! { time datetime=(instant) { (when(lang, instant)) } }
}

/// One entry of the timeline: when, what (in words; a status change with its new status, and
/// nothing more: records' sentence about it is in English and the words say it), and its text
/// (a reply, or what happened).
fn event_markup(lang: Lang, event: &MyComplaintEvent) -> Markup {
    let t = |key| text(lang, key);
    let kind = match event.kind.as_str() {
        "filed" => Text::KindFiled,
        "status" => Text::KindStatus,
        "reply" => Text::KindReply,
        "customer-reply" | "customer_reply" => Text::KindCustomerReply,
        "service" => Text::KindService,
        "rating" => Text::KindRating,
        _ => Text::KindOther,
    };
    html! {
        li data-kind=(event.kind) {
            (moment(lang, &event.at)) " "
            strong { (t(kind)) }
            @if matches!(kind, Text::KindStatus) {
                ": " (status_markup(lang, event.status))
            } @else if matches!(kind, Text::KindFiled) {
                p { (filed_by(lang, &event.note)) }
            } @else if !event.note.is_empty() {
                p { (event.note) }
            }
        }
    }
}

/// How a complaint came in, from the channel a filing event names; another name as it is.
fn filed_by(lang: Lang, channel: &str) -> String {
    let key = match channel {
        "portal" => Text::FiledPortal,
        "phone" => Text::FiledPhone,
        "visit" => Text::FiledVisit,
        "email" => Text::FiledEmail,
        other => return other.to_owned(),
    };
    text(lang, key).to_owned()
}

/// The text input of an action's form (all are named `text`, told apart by their `id`), with
/// what was typed in it if that form was posted.
fn text_area(
    action: MyComplaintAction,
    label: &str,
    typed: &ActionForm,
    required: bool,
    max: usize,
    feedback: &Feedback,
) -> Markup {
    let id = text_input(action);
    let error = feedback.about(id);
    html! {
        label for=(id) { (label) }
        textarea id=(id) name="text" rows="4" maxlength=(max) required[required]
            aria-invalid=[error.map(|_| "true")]
            aria-describedby=[feedback.described_by(id, false)] {
            (typed_in(typed, action))
        }
        (feedback.error_under(id))
    }
}

/// The file input of a form that may send photos (named `photos`, told apart by its `id`), with
/// its hint and what went wrong with the photos sent.
fn photo_input(lang: Lang, id: &'static str, feedback: &Feedback) -> Markup {
    let t = |key| text(lang, key);
    html! {
        label for=(id) { (t(Text::Photos)) }
        input id=(id) name="photos" type="file" multiple
            accept="image/jpeg,image/png,image/webp"
            aria-invalid=[feedback.about(id).map(|_| "true")]
            aria-describedby=[feedback.described_by(id, true)];
        p.hint id=(format!("{id}-hint")) { (t(Text::PhotosHint)) }
        (feedback.error_under(id))
    }
}

/// The id of the photo input of an action's form.
fn photo_input_of(action: MyComplaintAction) -> &'static str {
    match action {
        MyComplaintAction::Reopen => "reopen-photos",
        _ => "reply-photos",
    }
}

/// The hidden inputs of an action's form.
fn action_fields(lang: Lang, session: &Session, action: MyComplaintAction) -> Markup {
    html! {
        input type="hidden" name="csrf_token" value=(session.csrf_token);
        input type="hidden" name="action" value=(action_name(action));
        input type="hidden" name="lang" value=(lang.tag());
    }
}

/// The forms the complaint allows now: confirm each shipped replacement's receipt, reply while
/// the company waits on the customer, reopen while resolved, rate once closed.
fn actions_markup(
    lang: Lang,
    session: &Session,
    complaint: &MyComplaint,
    typed: &ActionForm,
    feedback: &Feedback,
) -> Markup {
    use MyComplaintAction::{ConfirmReceipt, Rate, Reopen, Reply};
    let t = |key| text(lang, key);
    let action = format!("/complaints/{}/actions", complaint.id);
    let typed_score = typed.score.trim().parse::<u8>().ok();
    let score_error = feedback.about("score");
    html! {
        @if !complaint.awaiting_receipt.is_empty() {
            h2 id="receipt" { (t(Text::ReceiptTitle)) }
            p { (t(Text::ReceiptHint)) }
            @for request in &complaint.awaiting_receipt {
                form.line method="post" action=(action) {
                    (action_fields(lang, session, ConfirmReceipt))
                    input type="hidden" name="service_request_id" value=(request);
                    span { (t(Text::Replacement)) " " code { (request) } }
                    button type="submit" { (t(Text::Received)) }
                }
            }
        }
        @if complaint.may_reply {
            h2 id="reply" { (t(Text::ReplyTitle)) }
            p { (t(Text::ReplyHint)) }
            form.stack method="post" action=(action) aria-labelledby="reply"
                enctype="multipart/form-data" {
                (text_area(Reply, t(Text::YourReply), typed, true, MAX_TEXT, feedback))
                (photo_input(lang, photo_input_of(Reply), feedback))
                (action_fields(lang, session, Reply))
                button type="submit" { (t(Text::SendReply)) }
            }
        }
        @if complaint.may_reopen {
            h2 id="reopen" { (t(Text::ReopenTitle)) }
            p { (t(Text::ReopenHint)) }
            form.stack method="post" action=(action) aria-labelledby="reopen"
                enctype="multipart/form-data" {
                (text_area(Reopen, t(Text::Reason), typed, true, MAX_TEXT, feedback))
                (photo_input(lang, photo_input_of(Reopen), feedback))
                (action_fields(lang, session, Reopen))
                button type="submit" { (t(Text::Reopen)) }
            }
        }
        @if complaint.may_rate {
            h2 id="rate" { (t(Text::RateTitle)) }
            form.stack method="post" action=(action) aria-labelledby="rate" {
                fieldset aria-describedby=[feedback.described_by("score", false)] {
                    legend { (t(Text::Score)) }
                    @for score in 1u8..=5 {
                        label.choice {
                            input type="radio" name="score" value=(score) required
                                aria-invalid=[score_error.map(|_| "true")]
                                checked[typed_score == Some(score)];
                            " " (score_text(lang, score))
                        }
                    }
                    (feedback.error_under("score"))
                }
                (text_area(Rate, t(Text::CommentOptional), typed, false, MAX_COMMENT, feedback))
                (action_fields(lang, session, Rate))
                button type="submit" { (t(Text::SendRating)) }
            }
        }
    }
}
