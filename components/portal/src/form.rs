//! What the portal's forms share: what went wrong with a form (the input at fault and what to
//! say under it, or a message above the form) and labelled inputs that show it.
//!
//! An input at fault is marked `aria-invalid` and linked to its message with
//! `aria-describedby` (`<name>-error`), as is its hint (`<name>-hint`).
//!
//! A form with a file input posts `multipart/form-data`; `with_files` reads it (and any other
//! form) into the form's fields and its files.

use bytes::Bytes;
use crm_guest::Problem;
use maud::{html, Markup};
use serde::de::DeserializeOwned;
use spin_sdk::http::Request;

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

/// A file posted with a `multipart/form-data` form: the input it came from and its bytes.
pub struct Upload {
    pub input: String,
    pub bytes: Vec<u8>,
}

/// The most bytes of a `multipart/form-data` body: four photos of at most 2 MiB with room to
/// spare. A body over it is refused whole (413); `crm` refuses bodies over 10 MiB before any
/// component runs, Spin has no limit of its own.
const MAX_MULTIPART_BYTES: u64 = 16 * 1024 * 1024;

/// The most bytes of one text input of a `multipart/form-data` form.
const MAX_MULTIPART_TEXT: u64 = 64 * 1024;

/// The form a POST sent and the files that came with it: a `multipart/form-data` body (a form
/// with a file input) is read with multer, any other as `crm_guest::forms::body` reads it (with
/// no files). Files chosen in no input (an empty part without a file name) are left out. A
/// multipart body that cannot be read reads as an empty form, as `forms::body` does (its CSRF
/// token is then missing); one over [`MAX_MULTIPART_BYTES`], or a text input over
/// [`MAX_MULTIPART_TEXT`], is refused as a problem (413).
pub fn with_files<T: DeserializeOwned + Default>(
    req: &Request,
) -> Result<(T, Vec<Upload>), Problem> {
    let content_type = crm_guest::forms::header(req, "content-type");
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Ok((crm_guest::forms::body(req)?, Vec::new()));
    };
    if req.body().len() as u64 > MAX_MULTIPART_BYTES {
        return Err(too_large());
    }
    let body = Bytes::copy_from_slice(req.body());
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let limits = multer::SizeLimit::new()
        .whole_stream(MAX_MULTIPART_BYTES)
        .per_field(MAX_MULTIPART_TEXT)
        // Files are checked by the handler, which names the one at fault next to its input.
        .for_field("photos", MAX_MULTIPART_BYTES);
    let constraints = multer::Constraints::new().size_limit(limits);
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let read = futures::executor::block_on(async {
        let mut fields = serde_json::Map::new();
        let mut files = Vec::new();
        while let Some(field) = multipart.next_field().await? {
            let input = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let bytes = field.bytes().await?;
                    if !(file_name.is_empty() && bytes.is_empty()) {
                        files.push(Upload {
                            input,
                            bytes: bytes.to_vec(),
                        });
                    }
                }
                None => {
                    let text = field.text().await?;
                    // The first value of an input counts, as with a urlencoded form.
                    fields
                        .entry(input)
                        .or_insert(serde_json::Value::String(text));
                }
            }
        }
        Ok::<_, multer::Error>((fields, files))
    });
    match read {
        Ok((fields, files)) => {
            let form =
                serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default();
            Ok((form, files))
        }
        Err(multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. }) => {
            Err(too_large())
        }
        Err(_) => Ok((T::default(), Vec::new())),
    }
}

fn too_large() -> Problem {
    Problem::new(413, "Payload too large").with_detail(format!(
        "a form with files must be at most {MAX_MULTIPART_BYTES} bytes, and each text input at \
         most {MAX_MULTIPART_TEXT}"
    ))
}
