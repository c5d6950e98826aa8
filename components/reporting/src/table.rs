//! Report tables answered as JSON (one page) or as CSV (every row).

use crm_guest::reports::Period;
use crm_guest::request::json;
use crm_guest::views::reports::{defused, Format};
use crm_guest::{ApiResult, Problem};
use serde::Serialize;
use spin_sdk::http::Response;
use std::borrow::Cow;
use utoipa::openapi::{RefOr, Schema};
use utoipa::ToSchema;

/// Put first with `bom=true`, so that spreadsheet programs read the file as UTF-8.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A report whose rows are a table, read page by page.
pub trait Table: Serialize {
    /// One row; flat, so that it is also a CSV record.
    type Row: Serialize + ToSchema;
    fn period(&self) -> &Period;
    /// The rows of this page and the cursor of the next.
    fn into_rows(self) -> (Vec<Self::Row>, Option<String>);
}

/// A report whose rows are its `items`, paged by its `next_cursor`.
macro_rules! paged_table {
    ($($report:ident => $row:ident),+ $(,)?) => {$(
        impl Table for crm_guest::reports::$report {
            type Row = crm_guest::reports::$row;
            fn period(&self) -> &Period {
                &self.period
            }
            fn into_rows(self) -> (Vec<Self::Row>, Option<String>) {
                (self.items, self.next_cursor)
            }
        }
    )+};
}

paged_table! {
    Ranking => RankedCustomer,
    RfmReport => RfmCustomer,
    ChurnReport => ChurnCustomer,
    SalesReport => SalesRow,
    RepsReport => RepRow,
    ComplaintReport => ComplaintRow,
}

/// Answers with the report `read` returns for `page`: as JSON, or with `Format::Csv` every
/// row of the table, reading page after page, as `<name>-<first day>-<last day>.csv`.
pub fn answer<T: Table>(
    format: Format,
    bom: bool,
    name: &str,
    page: crm_guest::reports::PageRequest,
    mut read: impl FnMut(crm_guest::reports::PageRequest) -> Result<T, Problem>,
) -> ApiResult {
    let mut report = read(page.clone())?;
    if format == Format::Json {
        return Ok(json(200, &report));
    }
    let filename = format!(
        "{name}-{}-{}.csv",
        report.period().first_day,
        report.period().last_day
    );
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(if bom { BOM.to_vec() } else { Vec::new() });
    let mut header = true;
    loop {
        let (rows, next) = report.into_rows();
        for row in &rows {
            for record in records_of(row, std::mem::take(&mut header)).map_err(csv_failed)? {
                let cells: Vec<Cow<str>> = record.iter().map(defused).collect();
                writer
                    .write_record(cells.iter().map(|c| c.as_bytes()))
                    .map_err(csv_failed)?;
            }
        }
        let Some(cursor) = next else { break };
        report = read(crm_guest::reports::PageRequest {
            limit: page.limit,
            cursor: Some(cursor),
        })?;
    }
    if header {
        // No row: the header alone, so that the file still says what its columns are.
        writer
            .write_record(column_names::<T::Row>())
            .map_err(csv_failed)?;
    }
    let body = writer.into_inner().map_err(csv_failed)?;
    Ok(Response::builder()
        .status(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{filename}\""),
        )
        .body(body)
        .build())
}

/// The CSV records of one row, its header first when `header`: serialised by the csv crate
/// (field names from the row's serde names), then read back as text cells.
fn records_of<R: Serialize>(row: &R, header: bool) -> Result<Vec<csv::StringRecord>, csv::Error> {
    let mut one = csv::WriterBuilder::new()
        .has_headers(header)
        .from_writer(Vec::new());
    one.serialize(row)?;
    let bytes = one
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice())
        .records()
        .collect()
}

/// The names of a row's fields, in order: its schema's properties (utoipa keeps the fields'
/// order, which is serde's, with its `preserve_order` feature).
fn column_names<R: ToSchema>() -> Vec<String> {
    match R::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn csv_failed(e: impl std::fmt::Display) -> Problem {
    eprintln!("reporting: writing CSV failed: {e}");
    Problem::new(500, "Internal error").with_detail("the CSV file could not be written")
}
