//! Customers' accounts: signing up (or accepting a staff invitation), signing in and out, and
//! the account page with its change of password, in zh-CN or en.
//!
//! `GET|POST /sign-in`, `GET|POST /sign-up` (`?invite=<code>` accepts an invitation),
//! `GET /account`, `POST /account/password`, `POST /sign-out`. A form that works answers 303
//! (Post/Redirect/Get) with the session cookie (`session.rs`); one that does not is shown
//! again with the status of the problem (401 wrong e-mail or password, 409 locked or taken, 422
//! naming the input at fault, linked to it with `aria-describedby`), keeping what was typed but
//! never a password. Forms before sign-in are refused from other sites' pages (login CSRF,
//! `forms::same_origin`); a signed-in customer's forms must also carry the session's CSRF token.
//! Records decides everything else: password rules, lockout, invitations, who is signed in.

use crate::form::{alert, Feedback, Input};
use crate::layout::{self, html_response, page_cookie, see_other};
use crate::session::{self, Visitor};
use crm_guest::accounts::{self, NewAccount, Session};
use crm_guest::forms::{self, body as form, param};
use crm_guest::lang::Lang;
use crm_guest::request::{client_key, query_pairs};
use crm_guest::types::{Error, FieldProblem};
use crm_guest::{ApiResult, Params, Problem};
use maud::{html, Markup};
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

/// Where a customer lands after signing in or up.
const HOME: &str = "/account";
/// Where `/account` sends a visitor.
const SIGN_IN_FOR_ACCOUNT: &str = "/sign-in?next=/account";

/// The text of the account pages.
#[derive(Clone, Copy)]
enum Text {
    SignInTitle,
    SignUpTitle,
    InvitedTitle,
    InvitedHint,
    AccountTitle,
    Email,
    Password,
    PasswordRule,
    Name,
    Phone,
    PhoneHint,
    SignIn,
    CreateAccount,
    NoAccount,
    HaveAccount,
    WrongPassword,
    LockedFor,
    LockedLater,
    TooMany,
    Taken,
    BadInvitation,
    CrossSite,
    Refused,
    StaleForm,
    BackToAccount,
    CustomerId,
    ChangePassword,
    CurrentPassword,
    NewPassword,
    Save,
    Changed,
    MissingEmail,
    MissingPassword,
    BadEmail,
    BadPassword,
    BadName,
    BadPhone,
    WrongCurrent,
}

fn text(lang: Lang, key: Text) -> &'static str {
    use Text::*;
    let (zh, en) = match key {
        SignInTitle => ("登录", "Sign in"),
        SignUpTitle => ("注册账户", "Create an account"),
        InvitedTitle => ("接受邀请", "Accept your invitation"),
        InvitedHint => (
            "我们的工作人员邀请您开通客户门户账户。请设置密码；账户使用邀请所发往的电子邮箱。",
            "Our staff invited you to the customer portal. Choose a password; your account uses \
             the e-mail address the invitation was sent to.",
        ),
        AccountTitle => ("我的账户", "My account"),
        Email => ("电子邮箱", "E-mail"),
        Password => ("密码", "Password"),
        PasswordRule => (
            "10–128 个字符，不能与电子邮箱相同。",
            "10–128 characters, not your e-mail address.",
        ),
        Name => ("姓名或公司名称", "Name or company"),
        Phone => ("电话（可不填）", "Phone (optional)"),
        PhoneHint => (
            "方便我们就订单和服务与您联系。",
            "So that we can reach you about orders and service.",
        ),
        SignIn => ("登录", "Sign in"),
        CreateAccount => ("注册", "Create account"),
        NoAccount => ("还没有账户？", "No account yet?"),
        HaveAccount => ("已有账户？", "Already have an account?"),
        WrongPassword => (
            "电子邮箱或密码不正确。",
            "The e-mail address or the password is not right.",
        ),
        LockedFor => (
            "密码连续输错次数过多，账户已暂时锁定。请在以下时间后再试（分钟）：",
            "Too many wrong passwords: the account is locked for now. Minutes until you can try \
             again: ",
        ),
        LockedLater => (
            "密码连续输错次数过多，账户已暂时锁定，请稍后再试。",
            "Too many wrong passwords: the account is locked for now. Please try again later.",
        ),
        TooMany => (
            "尝试次数过多，请稍后再试。",
            "Too many attempts. Please try again later.",
        ),
        Taken => (
            "该电子邮箱已有账户，请直接登录。",
            "There is already an account with this e-mail address: please sign in.",
        ),
        BadInvitation => (
            "此邀请无效、已被使用或已过期。请联系我们的工作人员重新邀请。",
            "This invitation is not valid, was used already or has expired. Please ask our \
             staff for a new one.",
        ),
        CrossSite => (
            "请从本站的页面提交表单。",
            "Please use the form on this site's own page.",
        ),
        Refused => ("请求被拒绝", "Request refused"),
        StaleForm => (
            "此表单已失效或来自其他网站。请重新打开页面后再试。",
            "This form has expired or came from another site. Please open the page again and \
             retry.",
        ),
        BackToAccount => ("返回我的账户", "Back to my account"),
        CustomerId => ("客户编号", "Customer number"),
        ChangePassword => ("修改密码", "Change password"),
        CurrentPassword => ("当前密码", "Current password"),
        NewPassword => ("新密码", "New password"),
        Save => ("保存", "Save"),
        Changed => (
            "密码已修改。其他设备上的登录已全部退出。",
            "Your password was changed. You were signed out everywhere else.",
        ),
        MissingEmail => ("请输入电子邮箱。", "Enter your e-mail address."),
        MissingPassword => ("请输入密码。", "Enter your password."),
        BadEmail => (
            "请输入有效的电子邮箱地址。",
            "Enter a valid e-mail address.",
        ),
        BadPassword => (
            "密码须为 10–128 个字符，且不能与电子邮箱相同。",
            "The password must be 10–128 characters and not your e-mail address.",
        ),
        BadName => (
            "请填写姓名或公司名称（1–200 个字符）。",
            "Enter your name or your company's (1–200 characters).",
        ),
        BadPhone => ("请输入有效的电话号码。", "Enter a valid phone number."),
        WrongCurrent => ("当前密码不正确。", "The current password is not right."),
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
    }
}

// ---------------------------------------------------------------------------------------------
// Forms.

/// The sign-in form.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SignInForm {
    email: String,
    password: String,
    /// Where to go after signing in: a path of this site.
    next: String,
    /// The language the form was shown in, to answer in it.
    lang: Option<String>,
}

/// The sign-up form; with `invite`, only the password is asked for.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SignUpForm {
    name: String,
    email: String,
    phone: String,
    password: String,
    /// The code of a staff invitation.
    invite: String,
    lang: Option<String>,
}

/// The change of password on the account page.
#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    csrf_token: String,
    current_password: String,
    new_password: String,
    lang: Option<String>,
}

/// The sign-out button of the bar.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SignOutForm {
    csrf_token: String,
    lang: Option<String>,
}

/// Records' complaint about a field: under the input it is about (`inputs` maps records' field
/// names to the form's), in the page's language, records' own words added in English; above
/// the form when no input of this form is meant.
fn invalid(lang: Lang, problem: &FieldProblem, inputs: &[(&str, &'static str)]) -> Feedback {
    let input = inputs
        .iter()
        .find(|(field, _)| *field == problem.field)
        .map(|(_, input)| *input);
    let Some(input) = input else {
        return Feedback::alert(problem.message.clone());
    };
    let hint = match input {
        "email" => text(lang, Text::BadEmail),
        "password" | "new_password" => text(lang, Text::BadPassword),
        "name" => text(lang, Text::BadName),
        "phone" => text(lang, Text::BadPhone),
        _ => text(lang, Text::WrongCurrent),
    };
    let message = match lang {
        Lang::En if !problem.message.trim().is_empty() => {
            format!("{hint} ({})", problem.message.trim())
        }
        _ => hint.to_owned(),
    };
    Feedback::field(input, message)
}

/// The message of a locked account: the minutes left when records' message says until when.
fn locked(lang: Lang, why: &str) -> String {
    match forms::instant_in(why).map(|until| until.saturating_sub(forms::now_unix())) {
        Some(seconds) if seconds > 0 => {
            let minutes = (seconds + 59) / 60;
            format!("{}{minutes}", text(lang, Text::LockedFor))
        }
        _ => text(lang, Text::LockedLater).to_owned(),
    }
}

/// The answer to an error records gave a form that is not about one of its fields: the status
/// and the message above the form, or a problem for the errors no form can help with.
fn form_error(lang: Lang, error: Error) -> Result<(u16, Feedback), Problem> {
    match error {
        Error::Conflict(why) => Ok((409, Feedback::alert(locked(lang, &why)))),
        Error::RateLimited(_) => Ok((429, Feedback::alert(text(lang, Text::TooMany)))),
        other => Err(Problem::from(other)),
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// `GET /sign-in`: the sign-in form; `?next=` (a path of this site) is where to go after it. A
/// signed-in customer goes there at once.
pub fn sign_in_page(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, chosen) = Lang::of(req, param(&pairs, "lang"));
    let next = param(&pairs, "next")
        .and_then(forms::local_path)
        .unwrap_or(HOME);
    let visitor = Visitor::of(req)?;
    if visitor.session().is_some() {
        return Ok(see_other(next, None));
    }
    let markup = sign_in_markup(lang, "", next, &Feedback::default());
    let cookie = page_cookie(&visitor, req, lang, chosen);
    Ok(html_response(200, lang, true, cookie, markup))
}

/// `POST /sign-in`: signs in and goes to `next` (303, with the session cookie); else the form
/// again: 403 from another site's page, 422 an empty input, 401 a wrong e-mail or password, 409
/// a locked account.
pub fn sign_in(req: &Request, _params: &Params) -> ApiResult {
    let form: SignInForm = form(req)?;
    let (lang, _) = Lang::of(req, form.lang.as_deref());
    let next = forms::local_path(form.next.trim()).unwrap_or(HOME);
    let email = form.email.trim();
    let again = |status: u16, feedback: Feedback| -> ApiResult {
        let markup = sign_in_markup(lang, email, next, &feedback);
        Ok(html_response(status, lang, true, None, markup))
    };
    if !forms::same_origin(req) {
        return again(403, Feedback::alert(text(lang, Text::CrossSite)));
    }
    if email.is_empty() {
        return again(
            422,
            Feedback::field("email", text(lang, Text::MissingEmail)),
        );
    }
    if form.password.is_empty() {
        return again(
            422,
            Feedback::field("password", text(lang, Text::MissingPassword)),
        );
    }
    match accounts::sign_in(email, &form.password, &client_key(req)) {
        Ok(session) => Ok(see_other(next, Some(session::cookie_for(req, &session)))),
        Err(Error::Unauthenticated) => again(401, Feedback::alert(text(lang, Text::WrongPassword))),
        Err(Error::Invalid(problem)) => again(
            422,
            invalid(
                lang,
                &problem,
                &[("email", "email"), ("password", "password")],
            ),
        ),
        Err(error) => {
            let (status, feedback) = form_error(lang, error)?;
            again(status, feedback)
        }
    }
}

/// `GET /sign-up`: the form for a new account; with `?invite=<code>`, the form that accepts a
/// staff invitation (a password only). A signed-in customer goes to their account.
pub fn sign_up_page(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, chosen) = Lang::of(req, param(&pairs, "lang"));
    let visitor = Visitor::of(req)?;
    if visitor.session().is_some() {
        return Ok(see_other(HOME, None));
    }
    let typed = SignUpForm {
        invite: param(&pairs, "invite").unwrap_or_default().to_owned(),
        ..SignUpForm::default()
    };
    let markup = sign_up_markup(lang, &typed, &Feedback::default());
    let cookie = page_cookie(&visitor, req, lang, chosen);
    Ok(html_response(200, lang, true, cookie, markup))
}

/// `POST /sign-up`: creates the account (a new customer record) or accepts the invitation, signs
/// in and goes to the account page (303, with the session cookie); else the form again: 403
/// from another site's page, 422 naming the input at fault (or the invitation), 409 an e-mail
/// address that has an account.
pub fn sign_up(req: &Request, _params: &Params) -> ApiResult {
    let mut typed: SignUpForm = form(req)?;
    let (lang, _) = Lang::of(req, typed.lang.as_deref());
    let password = std::mem::take(&mut typed.password);
    for value in [
        &mut typed.name,
        &mut typed.email,
        &mut typed.phone,
        &mut typed.invite,
    ] {
        *value = value.trim().to_owned();
    }
    let again = |status: u16, feedback: Feedback| -> ApiResult {
        let markup = sign_up_markup(lang, &typed, &feedback);
        Ok(html_response(status, lang, true, None, markup))
    };
    if !forms::same_origin(req) {
        return again(403, Feedback::alert(text(lang, Text::CrossSite)));
    }
    let invited = !typed.invite.is_empty();
    let outcome = if invited {
        accounts::accept_invitation(&typed.invite, &password)
    } else {
        accounts::sign_up(
            &NewAccount {
                email: typed.email.clone(),
                password,
                name: typed.name.clone(),
                phone: typed.phone.clone(),
            },
            &client_key(req),
        )
    };
    let bad_invitation = || Feedback::alert(text(lang, Text::BadInvitation));
    match outcome {
        Ok(session) => Ok(see_other(HOME, Some(session::cookie_for(req, &session)))),
        // An unknown, used or expired code (records says which field: `code`).
        Err(Error::Invalid(problem)) if invited && problem.field != "password" => {
            again(422, bad_invitation())
        }
        Err(Error::Invalid(problem)) => again(
            422,
            invalid(
                lang,
                &problem,
                &[
                    ("name", "name"),
                    ("email", "email"),
                    ("phone", "phone"),
                    ("password", "password"),
                ],
            ),
        ),
        Err(Error::Conflict(_)) => again(409, Feedback::alert(text(lang, Text::Taken))),
        Err(error) => {
            let (status, feedback) = form_error(lang, error)?;
            again(status, feedback)
        }
    }
}

/// `GET /account`: the signed-in customer's account (name, e-mail, customer number) and the
/// change of password; `?changed=1` confirms a change. A visitor goes to the sign-in form.
pub fn account(req: &Request, _params: &Params) -> ApiResult {
    let pairs = query_pairs(req.query());
    let (lang, chosen) = Lang::of(req, param(&pairs, "lang"));
    let visitor = Visitor::of(req)?;
    let Some(session) = visitor.session() else {
        return Ok(see_other(SIGN_IN_FOR_ACCOUNT, visitor.stale_cookie(req)));
    };
    let changed = param(&pairs, "changed") == Some("1");
    let markup = account_markup(lang, session, changed, &Feedback::default());
    let cookie = page_cookie(&visitor, req, lang, chosen);
    Ok(html_response(200, lang, true, cookie, markup))
}

/// `POST /account/password`: changes the password (records ends every other session and gives
/// this one a new id), 303 to `/account?changed=1` with the new cookie; else the account page
/// again: 403 without the session's CSRF token or from another site, 422 naming the input at
/// fault (a wrong current password too), 409 locked.
pub fn change_password(req: &Request, _params: &Params) -> ApiResult {
    let form: PasswordForm = form(req)?;
    let (lang, _) = Lang::of(req, form.lang.as_deref());
    let visitor = Visitor::of(req)?;
    let Some(session) = visitor.session() else {
        return Ok(see_other(
            SIGN_IN_FOR_ACCOUNT,
            Some(session::clear_cookie(req)),
        ));
    };
    if !forms::same_origin(req) || !session::csrf_ok(session, &form.csrf_token) {
        return Ok(refused(lang, Some(session)));
    }
    let again = |status: u16, feedback: Feedback| -> ApiResult {
        let markup = account_markup(lang, session, false, &feedback);
        Ok(html_response(status, lang, true, None, markup))
    };
    if form.current_password.is_empty() {
        let missing = text(lang, Text::MissingPassword);
        return again(422, Feedback::field("current_password", missing));
    }
    if form.new_password.is_empty() {
        let missing = text(lang, Text::MissingPassword);
        return again(422, Feedback::field("new_password", missing));
    }
    let inputs = [
        ("current_password", "current_password"),
        ("new_password", "new_password"),
    ];
    match accounts::change_password(&session.id, &form.current_password, &form.new_password) {
        Ok(renewed) => Ok(see_other(
            "/account?changed=1",
            Some(session::cookie_for(req, &renewed)),
        )),
        // A wrong current password is one of these (and counts towards the lockout).
        Err(Error::Invalid(problem)) => again(422, invalid(lang, &problem, &inputs)),
        // The session ended meanwhile (e.g. the password was changed from another one).
        Err(Error::Unauthenticated) => Ok(see_other(
            SIGN_IN_FOR_ACCOUNT,
            Some(session::clear_cookie(req)),
        )),
        Err(error) => {
            let (status, feedback) = form_error(lang, error)?;
            again(status, feedback)
        }
    }
}

/// `POST /sign-out`: ends the session, clears the cookie and goes to the catalogue (303). The
/// session's CSRF token is required, so another site cannot sign a customer out.
pub fn sign_out(req: &Request, _params: &Params) -> ApiResult {
    let form: SignOutForm = form(req)?;
    let (lang, _) = Lang::of(req, form.lang.as_deref());
    let visitor = Visitor::of(req)?;
    let Some(session) = visitor.session() else {
        return Ok(see_other("/", Some(session::clear_cookie(req))));
    };
    if !forms::same_origin(req) || !session::csrf_ok(session, &form.csrf_token) {
        return Ok(refused(lang, Some(session)));
    }
    match accounts::sign_out(&session.id) {
        Ok(()) | Err(Error::Unauthenticated) => {}
        Err(error) => return Err(Problem::from(error)),
    }
    Ok(see_other("/", Some(session::clear_cookie(req))))
}

/// 403: a signed-in customer's form without the session's CSRF token, or from another site.
pub(crate) fn refused(lang: Lang, session: Option<&Session>) -> Response {
    let t = |key| text(lang, key);
    let switch = format!("{HOME}{}", lang.switch_query(&[]));
    let content = html! {
        h1 { (t(Text::Refused)) }
        p.alert role="alert" { (t(Text::StaleForm)) }
        p { a href=(HOME) { (t(Text::BackToAccount)) } }
    };
    let markup = layout::page(lang, t(Text::Refused), session, &switch, content);
    html_response(403, lang, true, None, markup)
}

// ---------------------------------------------------------------------------------------------
// Pages.

fn sign_in_markup(lang: Lang, email: &str, next: &str, feedback: &Feedback) -> Markup {
    let t = |key| text(lang, key);
    let next_query = if next == HOME { "" } else { next };
    let switch = format!("/sign-in{}", lang.switch_query(&[("next", next_query)]));
    let content = html! {
        h1 { (t(Text::SignInTitle)) }
        (alert(feedback))
        form.stack method="post" action="/sign-in" {
            (Input { name: "email", label: t(Text::Email), kind: "email", autocomplete: "email",
                     value: email, required: true, min: None, max: 254, hint: None }
                .render(feedback))
            (Input { name: "password", label: t(Text::Password), kind: "password",
                     autocomplete: "current-password", value: "", required: true, min: None,
                     max: 128, hint: None }
                .render(feedback))
            input type="hidden" name="next" value=(next);
            input type="hidden" name="lang" value=(lang.tag());
            button type="submit" { (t(Text::SignIn)) }
        }
        p { (t(Text::NoAccount)) " " a href="/sign-up" { (t(Text::CreateAccount)) } }
    };
    layout::page(lang, t(Text::SignInTitle), None, &switch, content)
}

fn sign_up_markup(lang: Lang, typed: &SignUpForm, feedback: &Feedback) -> Markup {
    let t = |key| text(lang, key);
    let invited = !typed.invite.is_empty();
    let title = t(if invited {
        Text::InvitedTitle
    } else {
        Text::SignUpTitle
    });
    let switch = format!(
        "/sign-up{}",
        lang.switch_query(&[("invite", typed.invite.as_str())])
    );
    let password = Input {
        name: "password",
        label: t(Text::Password),
        kind: "password",
        autocomplete: "new-password",
        value: "",
        required: true,
        min: Some(10),
        max: 128,
        hint: Some(t(Text::PasswordRule)),
    };
    let content = html! {
        h1 { (title) }
        (alert(feedback))
        @if invited {
            p { (t(Text::InvitedHint)) }
        }
        form.stack method="post" action="/sign-up" {
            @if invited {
                input type="hidden" name="invite" value=(typed.invite);
            } @else {
                (Input { name: "name", label: t(Text::Name), kind: "text", autocomplete: "name",
                         value: &typed.name, required: true, min: None, max: 200, hint: None }
                    .render(feedback))
                (Input { name: "email", label: t(Text::Email), kind: "email",
                         autocomplete: "email", value: &typed.email, required: true, min: None,
                         max: 254, hint: None }
                    .render(feedback))
                (Input { name: "phone", label: t(Text::Phone), kind: "tel", autocomplete: "tel",
                         value: &typed.phone, required: false, min: None, max: 40,
                         hint: Some(t(Text::PhoneHint)) }
                    .render(feedback))
            }
            (password.render(feedback))
            input type="hidden" name="lang" value=(lang.tag());
            button type="submit" { (t(Text::CreateAccount)) }
        }
        p { (t(Text::HaveAccount)) " " a href="/sign-in" { (t(Text::SignIn)) } }
    };
    layout::page(lang, title, None, &switch, content)
}

fn account_markup(lang: Lang, session: &Session, changed: bool, feedback: &Feedback) -> Markup {
    let t = |key| text(lang, key);
    let switch = format!("{HOME}{}", lang.switch_query(&[]));
    let content = html! {
        h1 { (t(Text::AccountTitle)) }
        @if changed {
            p.notice role="status" { (t(Text::Changed)) }
        }
        dl.facts {
            dt { (t(Text::Name)) } dd { (session.name) }
            dt { (t(Text::Email)) } dd { (session.email) }
            dt { (t(Text::CustomerId)) } dd { code { (session.customer_id) } }
        }
        h2 { (t(Text::ChangePassword)) }
        (alert(feedback))
        form.stack method="post" action="/account/password" {
            (Input { name: "current_password", label: t(Text::CurrentPassword), kind: "password",
                     autocomplete: "current-password", value: "", required: true, min: None,
                     max: 128, hint: None }
                .render(feedback))
            (Input { name: "new_password", label: t(Text::NewPassword), kind: "password",
                     autocomplete: "new-password", value: "", required: true, min: Some(10),
                     max: 128, hint: Some(t(Text::PasswordRule)) }
                .render(feedback))
            input type="hidden" name="csrf_token" value=(session.csrf_token);
            input type="hidden" name="lang" value=(lang.tag());
            button type="submit" { (t(Text::Save)) }
        }
    };
    layout::page(lang, t(Text::AccountTitle), Some(session), &switch, content)
}
