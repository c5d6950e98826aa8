//! What the portal's forms share: what went wrong with a form (the input at fault and what to
//! say under it, or a message above the form) and labelled inputs that show it.
//!
//! An input at fault is marked `aria-invalid` and linked to its message with
//! `aria-describedby` (`<name>-error`), as is its hint (`<name>-hint`).

use maud::{html, Markup};

/// What went wrong with a form, to show on it.
#[derive(Default)]
pub struct Feedback {
    /// The input at fault (its `name`) and what to say under it.
    pub field: Option<(&'static str, String)>,
    /// What to say above the form.
    pub alert: Option<String>,
}

impl Feedback {
    pub fn alert(message: impl Into<String>) -> Self {
        Self {
            field: None,
            alert: Some(message.into()),
        }
    }

    pub fn field(input: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some((input, message.into())),
            alert: None,
        }
    }

    /// The message for `input`, if it is the one at fault.
    pub fn about(&self, input: &str) -> Option<&str> {
        self.field
            .as_ref()
            .filter(|(name, _)| *name == input)
            .map(|(_, message)| message.as_str())
    }

    /// The `aria-describedby` of `input`: its error message when it is at fault, then its
    /// hint if it has one; none when neither.
    pub fn described_by(&self, input: &str, hint: bool) -> Option<String> {
        let described: Vec<String> = [
            self.about(input).map(|_| format!("{input}-error")),
            hint.then(|| format!("{input}-hint")),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!described.is_empty()).then(|| described.join(" "))
    }

    /// The message under `input`, if it is the one at fault.
    pub fn error_under(&self, input: &str) -> Markup {
        html! {
            @if let Some(message) = self.about(input) {
                p.error id=(format!("{input}-error")) { (message) }
            }
        }
    }
}

/// One labelled input, with the message of `feedback` about it under it (linked with
/// `aria-describedby`, the input marked `aria-invalid`) and an optional hint.
pub struct Input<'a> {
    pub name: &'static str,
    pub label: &'a str,
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub value: &'a str,
    pub required: bool,
    pub min: Option<u32>,
    pub max: u32,
    pub hint: Option<&'a str>,
}

impl Input<'_> {
    pub fn render(&self, feedback: &Feedback) -> Markup {
        let error = feedback.about(self.name);
        let hint_id = format!("{}-hint", self.name);
        let described = feedback.described_by(self.name, self.hint.is_some());
        html! {
            label for=(self.name) { (self.label) }
            input id=(self.name) name=(self.name) type=(self.kind)
                autocomplete=(self.autocomplete) value=(self.value)
                minlength=[self.min] maxlength=(self.max) required[self.required]
                aria-invalid=[error.map(|_| "true")] aria-describedby=[described];
            @if let Some(hint) = self.hint {
                p.hint id=(hint_id) { (hint) }
            }
            (feedback.error_under(self.name))
        }
    }
}

/// The message above a form, if any.
pub fn alert(feedback: &Feedback) -> Markup {
    html! {
        @if let Some(message) = &feedback.alert {
            p.alert role="alert" { (message) }
        }
    }
}
