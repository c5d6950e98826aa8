//! CSV files: `POST /api/v1/customers/import` (with a dedup report), and the streamed exports
//! `GET /api/v1/customers/export.csv` and `GET /api/v1/orders/export.csv` (`?bom=true` puts a
//! UTF-8 byte order mark first, so that Excel reads Chinese text correctly).

use crm_domain::orders::major_units;
use crm_guest::customers::{self, Customer, ImportOutcome, ImportRow, ImportStatus};
use crm_guest::names::{CustomerKind, Tier};
use crm_guest::orders::{self, OrderQuery};
use crm_guest::request::{credential, json, query};
use crm_guest::streaming::{self, respond};
use crm_guest::types::Credential;
use crm_guest::views::rules;
use crm_guest::{ApiResult, Params, Problem};
use serde::{Deserialize, Serialize};
use spin_sdk::http::{Request, ResponseOutparam};

/// The largest CSV file an import takes; larger ones get 413.
const MAX_CSV_BODY: usize = 64 * 1024 * 1024;

/// Rows sent to records per call: each call is one transaction.
const IMPORT_CHUNK: usize = 1000;

/// Customers read from records per page of an export.
const EXPORT_PAGE: u32 = 500;

/// Orders read per page of an export: the most `list-orders` returns at once.
const ORDER_EXPORT_PAGE: u32 = 200;

const BOM: &[u8] = "\u{feff}".as_bytes();

/// The columns of a customer file, as exported and as imported.
const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "name",
    "kind",
    "phone",
    "email",
    "tier",
    "region",
    "channel_partner",
    "owner_id",
    "tags",
    "contact_name",
    "contact_title",
    "contact_phone",
    "contact_email",
    "street",
    "city",
    "province",
    "postcode",
    "country",
    "created_at",
];

/// Columns an import accepts but does not read: an export's own ids and times, so that an
/// exported file can be imported as it is.
const IGNORED_ON_IMPORT: &[&str] = &["id", "created_at"];

const ORDER_COLUMNS: &[&str] = &[
    "order_id",
    "customer_id",
    "placed_at",
    "channel",
    "invoice_number",
    "ship_date",
    "line_no",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "line_total",
    "batch_number",
];

/// Tags in one CSV cell are separated by semicolons (ASCII or full-width).
fn split_tags(cell: &str) -> Vec<String> {
    cell.split([';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A customer file as [`import`] takes it, in the document: a header line of known columns with
/// `name` among them (other headers are refused with 422); its rows are not constrained, since a
/// bad row is reported in the answer, not refused.
struct CustomerCsv;

impl utoipa::PartialSchema for CustomerCsv {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(rules::csv_with_header(CUSTOMER_COLUMNS, "name")))
            .into()
    }
}

impl utoipa::ToSchema for CustomerCsv {}

/// What an import did: how many rows went which way, and every row's outcome in file order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Rows that became new customers.
    pub created: u32,
    /// Rows merged into the customer they duplicate.
    pub merged: u32,
    /// Rows not imported; their `reason` says why.
    pub rejected: u32,
    /// Every data row (the header is row 1), in file order.
    pub rows: Vec<ImportOutcome>,
}

impl ImportReport {
    fn new(mut rows: Vec<ImportOutcome>) -> Self {
        rows.sort_by_key(|r| r.row);
        let count =
            |status: ImportStatus| rows.iter().filter(|r| r.status == status).count() as u32;
        Self {
            created: count(ImportStatus::Created),
            merged: count(ImportStatus::Merged),
            rejected: count(ImportStatus::Rejected),
            rows,
        }
    }
}

/// Imports customers from CSV with a dedup report.
///
/// The file is UTF-8, with or without BOM, and its header names the columns, those of the
/// export: `name` is required; `id` and `created_at` are read over. Tags in one cell are
/// separated by semicolons. Answers with a report of every row: created, merged into the
/// customer it duplicates, or rejected with the reason.
#[utoipa::path(post, path = "/api/v1/customers/import", tag = "customers",
    request_body(content = inline(CustomerCsv), content_type = "text/csv",
        description = "The CSV file, a header line first: known columns, `name` among them"),
    responses(
        (status = 200, description = "What happened to each row", body = ImportReport),
        (status = "4XX", response = Problem),
    ))]
pub fn import(req: &Request, _params: &Params) -> ApiResult {
    let who = credential(req)?;
    // Rows go to records in chunks, and a file may have none: authenticate first, so that an
    // anonymous caller never gets a report.
    crm_guest::identity::whoami(&who)?;
    let body = req.body();
    if body.len() > MAX_CSV_BODY {
        return Err(Problem::new(413, "Payload too large")
            .with_detail(format!("a CSV file must be at most {MAX_CSV_BODY} bytes")));
    }
    let content_type = req
        .header("content-type")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if !content_type.starts_with("text/csv") {
        return Err(
            Problem::new(415, "Unsupported media type").with_detail("send the file as text/csv")
        );
    }
    let text = std::str::from_utf8(body.strip_prefix(BOM).unwrap_or(body)).map_err(|e| {
        Problem::bad_request(Some("body".into()), format!("the file is not UTF-8: {e}"))
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Problem::bad_request(Some("body".into()), format!("no CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    if let Some(unknown) = header
        .iter()
        .find(|h| !CUSTOMER_COLUMNS.contains(&h.as_str()))
    {
        return Err(Problem::invalid(
            "header",
            format!(
                "unknown column `{unknown}`; known columns: {}",
                CUSTOMER_COLUMNS.join(", ")
            ),
        ));
    }
    if !header.iter().any(|h| h == "name") {
        return Err(Problem::invalid("header", "the file needs a `name` column"));
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    let columns: Vec<Option<usize>> = CUSTOMER_COLUMNS
        .iter()
        .map(|c| column(c).filter(|_| !IGNORED_ON_IMPORT.contains(c)))
        .collect();

    let mut report = Vec::new();
    let mut chunk: Vec<(u32, ImportRow)> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row_number = index as u32 + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                report.push(ImportOutcome {
                    row: row_number,
                    status: ImportStatus::Rejected,
                    customer_id: None,
                    reason: format!("csv: {e}"),
                });
                continue;
            }
        };
        let cell = |name: &str| {
            CUSTOMER_COLUMNS
                .iter()
                .position(|c| *c == name)
                .and_then(|i| columns[i])
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        chunk.push((
            row_number,
            ImportRow {
                name: cell("name"),
                kind: cell("kind"),
                phone: cell("phone"),
                email: cell("email"),
                tier: cell("tier"),
                region: cell("region"),
                channel_partner: cell("channel_partner"),
                owner_id: cell("owner_id"),
                tags: split_tags(&cell("tags")),
                contact_name: cell("contact_name"),
                contact_title: cell("contact_title"),
                contact_phone: cell("contact_phone"),
                contact_email: cell("contact_email"),
                street: cell("street"),
                city: cell("city"),
                province: cell("province"),
                postcode: cell("postcode"),
                country: cell("country"),
            },
        ));
        if chunk.len() == IMPORT_CHUNK {
            import_chunk(&who, &mut chunk, &mut report)?;
        }
    }
    import_chunk(&who, &mut chunk, &mut report)?;
    Ok(json(200, &ImportReport::new(report)))
}

fn import_chunk(
    who: &Credential,
    chunk: &mut Vec<(u32, ImportRow)>,
    report: &mut Vec<ImportOutcome>,
) -> Result<(), Problem> {
    if chunk.is_empty() {
        return Ok(());
    }
    let (numbers, rows): (Vec<u32>, Vec<ImportRow>) = std::mem::take(chunk).into_iter().unzip();
    let outcomes = customers::import_customers(who, &rows, numbers[0])?;
    // Records numbers the rows it got from `numbers[0]` on, but a row the CSV reader refused
    // is not among them: the file's own row numbers are the ones to report.
    for (number, outcome) in numbers.into_iter().zip(outcomes) {
        report.push(ImportOutcome {
            row: number,
            ..outcome
        });
    }
    Ok(())
}

/// The query of both exports, documented on each (the customer export takes no
/// `customer_id`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    #[serde(default)]
    bom: bool,
    customer_id: Option<String>,
}

fn customer_record(c: &Customer) -> Vec<String> {
    let contact = c.contacts.first();
    let address = c.addresses.first();
    let contact_field = |f: fn(&crm_guest::customers::Contact) -> Option<String>| {
        contact.and_then(f).unwrap_or_default()
    };
    let address_field =
        |f: fn(&crm_guest::customers::Address) -> String| address.map(f).unwrap_or_default();
    vec![
        c.id.clone(),
        c.name.clone(),
        CustomerKind::from(c.kind).as_str().to_owned(),
        c.phone.clone().unwrap_or_default(),
        c.email.clone().unwrap_or_default(),
        Tier::from(c.tier).as_str().to_owned(),
        c.region.clone(),
        c.channel_partner.clone().unwrap_or_default(),
        c.owner_id.clone().unwrap_or_default(),
        c.tags.join(";"),
        contact_field(|k| Some(k.name.clone())),
        contact_field(|k| Some(k.title.clone())),
        contact_field(|k| k.phone.clone()),
        contact_field(|k| k.email.clone()),
        address_field(|a| a.street.clone()),
        address_field(|a| a.city.clone()),
        address_field(|a| a.province.clone()),
        address_field(|a| a.postcode.clone()),
        address_field(|a| a.country.clone()),
        c.created_at.clone(),
    ]
}

/// CSV text of some records, the header first if `header` is given.
fn csv_bytes(header: Option<&[&str]>, records: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if let Some(header) = header {
        writer.write_record(header).map_err(|e| e.to_string())?;
    }
    for record in records {
        writer.write_record(record).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// What an export streams: the header, then page after page of records.
struct Export<'a> {
    filename: &'a str,
    columns: &'a [&'a str],
}

impl Export<'_> {
    /// Streams the pages `next_page` returns until it returns no cursor. The first page is read
    /// before anything is sent, so that a refused or bad request still gets a proper problem.
    async fn run<F>(&self, req: &Request, out: ResponseOutparam, bom: bool, mut next_page: F)
    where
        F: FnMut(Option<String>) -> Result<(Vec<Vec<String>>, Option<String>), Problem>,
    {
        let (mut records, mut cursor) = match next_page(None) {
            Ok(page) => page,
            Err(problem) => return respond(out, problem.into()).await,
        };
        let disposition = format!("attachment; filename=\"{}\"", self.filename);
        let headers = [
            ("content-type", "text/csv; charset=utf-8"),
            ("content-disposition", disposition.as_str()),
        ];
        let mut stream = match streaming::start(out, 200, &headers) {
            Ok(stream) => stream,
            Err(e) => return eprintln!("intake: cannot start the export of {}: {e}", req.path()),
        };
        let mut header = Some(self.columns);
        loop {
            let mut piece = if bom && header.is_some() {
                BOM.to_vec()
            } else {
                Vec::new()
            };
            match csv_bytes(header.take(), &records) {
                Ok(bytes) => piece.extend(bytes),
                Err(e) => return eprintln!("intake: export of {} failed: {e}", req.path()),
            }
            if let Err(e) = stream.send(piece).await {
                return eprintln!("intake: export of {} stopped: {e}", req.path());
            }
            if cursor.is_none() {
                return;
            }
            match next_page(cursor.take()) {
                Ok((next_records, next_cursor)) => (records, cursor) = (next_records, next_cursor),
                // The status is sent already: all the client can learn is a cut-off file.
                Err(problem) => {
                    return eprintln!(
                        "intake: export of {} failed midway: {}",
                        req.path(),
                        problem.detail.unwrap_or(problem.title)
                    )
                }
            }
        }
    }
}

/// Exports every customer as CSV.
///
/// Oldest first, with the main contact and first address, in the columns the import reads.
/// Streamed; a failure after the first page cuts the file short.
#[utoipa::path(get, path = "/api/v1/customers/export.csv", tag = "customers",
    params(("bom" = Option<bool>, Query,
        description = "Put a UTF-8 byte order mark first, so that Excel reads Chinese text correctly")),
    responses(
        (status = 200, description = "The CSV file, `customers.csv`", body = String,
            content_type = "text/csv", headers(("content-disposition" = String))),
        (status = "4XX", response = Problem),
    ))]
pub async fn export_customers(req: Request, out: ResponseOutparam) {
    let (who, q) = match export_request(&req) {
        Ok(parsed) => parsed,
        Err(problem) => return respond(out, problem.into()).await,
    };
    if q.customer_id.is_some() {
        let problem = Problem::bad_request(
            Some("customer_id".into()),
            "the customer export has no customer filter; it exports every customer",
        );
        return respond(out, problem.into()).await;
    }
    let export = Export {
        filename: "customers.csv",
        columns: CUSTOMER_COLUMNS,
    };
    export
        .run(&req, out, q.bom, |cursor| {
            let page = customers::export_customers(&who, cursor.as_deref(), EXPORT_PAGE)?;
            Ok((
                page.items.iter().map(customer_record).collect(),
                page.next_cursor,
            ))
        })
        .await
}

/// Exports order lines as CSV.
///
/// One line per order line, most recently placed order first; money in major units with two
/// decimals. Streamed; a failure after the first page cuts the file short.
#[utoipa::path(get, path = "/api/v1/orders/export.csv", tag = "orders",
    params(
        ("bom" = Option<bool>, Query,
            description = "Put a UTF-8 byte order mark first, so that Excel reads Chinese text correctly"),
        ("customer_id" = Option<String>, Query, description = "Only this customer's orders"),
    ),
    responses(
        (status = 200, description = "The CSV file, `orders.csv`", body = String,
            content_type = "text/csv", headers(("content-disposition" = String))),
        (status = "4XX", response = Problem),
    ))]
pub async fn export_orders(req: Request, out: ResponseOutparam) {
    let (who, q) = match export_request(&req) {
        Ok(parsed) => parsed,
        Err(problem) => return respond(out, problem.into()).await,
    };
    let export = Export {
        filename: "orders.csv",
        columns: ORDER_COLUMNS,
    };
    export
        .run(&req, out, q.bom, |cursor| {
            let page = orders::list_orders(
                &who,
                &OrderQuery {
                    customer_id: q.customer_id.clone(),
                    limit: ORDER_EXPORT_PAGE,
                    cursor,
                },
            )?;
            let mut records = Vec::new();
            for order in &page.items {
                for (i, line) in order.lines.iter().enumerate() {
                    records.push(vec![
                        order.id.clone(),
                        order.customer_id.clone(),
                        order.placed_at.clone(),
                        match order.channel {
                            orders::OrderChannel::Staff => "staff".into(),
                            orders::OrderChannel::Web => "web".into(),
                        },
                        order.invoice_number.clone(),
                        order.ship_date.clone().unwrap_or_default(),
                        (i + 1).to_string(),
                        line.sku.clone(),
                        line.product_name.clone(),
                        line.quantity.to_string(),
                        major_units(line.unit_price),
                        major_units(line.line_total),
                        line.batch_number.clone(),
                    ]);
                }
            }
            Ok((records, page.next_cursor))
        })
        .await
}

fn export_request(req: &Request) -> Result<(Credential, ExportQuery), Problem> {
    Ok((credential(req)?, query(req)?))
}
