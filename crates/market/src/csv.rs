//! CSV for finance systems and spreadsheets: the rows of a list or report, each a serde row
//! written by the `csv` crate, a header line first (the row's field names), CRLF line ends,
//! and free text never a formula. One writer, used by the API's `Accept: text/csv` answers
//! and the web's downloads alike.

use std::fmt::Display;

use serde::{Serialize, Serializer};

use crate::Error;

/// A field of free text (names, reasons): a leading `=`, `+`, `-`, `@`, tab or carriage
/// return is neutralised with `'`, so a spreadsheet shows the text rather than running it
/// as a formula. (Quoting, when it holds a comma, quote or line break, is the writer's.)
/// The `csv` crate has no such guard, so this one is kept by hand.
#[derive(Debug, Clone, Copy, Default)]
pub struct Text<'a>(pub &'a str);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            serializer.collect_str(&format_args!("'{}", self.0))
        } else {
            serializer.serialize_str(self.0)
        }
    }
}

/// A value as it prints (`0.5`, `1`, `1.25`), or an empty field for none.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shown<T>(pub Option<T>);

impl<T: Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(v) => serializer.collect_str(v),
            None => serializer.serialize_none(),
        }
    }
}

/// An average of days to one decimal place (`12.5`), or an empty field for none.
#[derive(Debug, Clone, Copy, Default)]
pub struct Days(pub Option<f64>);

impl Days {
    /// As the field shows it: `12.5`, or empty for none.
    pub fn shown(self) -> String {
        self.0.map(|v| format!("{v:.1}")).unwrap_or_default()
    }
}

impl Serialize for Days {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(v) => serializer.collect_str(&format_args!("{v:.1}")),
            None => serializer.serialize_none(),
        }
    }
}

/// An amount in pence as pounds with two decimals: 52000 → `520.00`, -5 → `-0.05`.
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    format!("{sign}{}.{:02}", pence / 100, pence % 100)
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn failed(e: impl Display) -> Error {
    tracing::error!(error = %e, "cannot write a CSV table");
    Error::Store(provider_hub_store::StoreError::Corrupt(format!(
        "a CSV table could not be written: {e}"
    )))
}

/// The header line (the row type's field names) and the rows. With no rows, the header
/// alone, taken from an empty row.
pub fn table<R: Serialize + Default>(rows: impl IntoIterator<Item = R>) -> Result<String, Error> {
    let mut out = writer();
    let mut written = false;
    for row in rows {
        out.serialize(row).map_err(failed)?;
        written = true;
    }
    let bytes = if written {
        out.into_inner().map_err(|e| failed(e.into_error()))?
    } else {
        out.serialize(R::default()).map_err(failed)?;
        let mut bytes = out.into_inner().map_err(|e| failed(e.into_error()))?;
        let header = bytes
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(0, |at| at + 2);
        bytes.truncate(header);
        bytes
    };
    String::from_utf8(bytes).map_err(failed)
}

/// The rows, after the header line when `header` (as [`table`] writes them), without it
/// otherwise: the pages after the first of a table sent a page at a time.
pub fn rows<R: Serialize + Default>(
    rows: impl IntoIterator<Item = R>,
    header: bool,
) -> Result<String, Error> {
    if header {
        return table(rows);
    }
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .has_headers(false)
        .from_writer(Vec::new());
    for row in rows {
        out.serialize(row).map_err(failed)?;
    }
    let bytes = out.into_inner().map_err(|e| failed(e.into_error()))?;
    String::from_utf8(bytes).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pence_read_as_pounds() {
        assert_eq!(pounds(52_000), "520.00");
        assert_eq!(pounds(6_461), "64.61");
        assert_eq!(pounds(5), "0.05");
        assert_eq!(pounds(-5), "-0.05");
        assert_eq!(pounds(0), "0.00");
    }

    #[derive(Serialize, Default)]
    struct Row<'a> {
        name: Text<'a>,
        n: i64,
    }

    fn one(value: &str) -> String {
        let table = table([Row {
            name: Text(value),
            n: 1,
        }])
        .unwrap_or_default();
        let row = table.strip_prefix("name,n\r\n").unwrap_or_default();
        row.strip_suffix(",1\r\n").unwrap_or_default().to_owned()
    }

    #[test]
    fn pages_after_the_first_have_no_header_line() {
        let page = |names: &[&'static str], header| {
            rows(
                names.iter().map(|n| Row {
                    name: Text(n),
                    n: 2,
                }),
                header,
            )
            .unwrap_or_default()
        };
        let whole = page(&["a", "b"], true) + &page(&["c"], false) + &page(&[], false);
        assert_eq!(whole, "name,n\r\na,2\r\nb,2\r\nc,2\r\n");
    }

    #[test]
    fn text_is_quoted_and_never_a_formula() {
        assert_eq!(one("Steel City"), "Steel City");
        assert_eq!(one("Smith, Jones & Co"), "\"Smith, Jones & Co\"");
        assert_eq!(one("the \"big\" one"), "\"the \"\"big\"\" one\"");
        assert_eq!(one("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(one("-1"), "'-1");
        assert_eq!(one("+44"), "'+44");
        assert_eq!(one("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn a_table_is_a_header_and_crlf_rows_and_the_header_alone_when_empty() {
        let rows = [
            Row {
                name: Text("a"),
                n: 1,
            },
            Row {
                name: Text("b"),
                n: 2,
            },
        ];
        assert_eq!(
            table(rows).ok().as_deref(),
            Some("name,n\r\na,1\r\nb,2\r\n")
        );
        assert_eq!(table(Vec::<Row>::new()).ok().as_deref(), Some("name,n\r\n"));
    }

    #[test]
    fn empty_fields_for_none_and_days_to_one_decimal() {
        #[derive(Serialize, Default)]
        struct Figures {
            none: Shown<i64>,
            rate: Shown<f64>,
            days: Days,
        }
        let row = Figures {
            none: Shown(None),
            rate: Shown(Some(0.25)),
            days: Days(Some(12.0)),
        };
        assert_eq!(
            table([row]).ok().as_deref(),
            Some("none,rate,days\r\n,0.25,12.0\r\n")
        );
        assert_eq!(Days(None).shown(), "");
    }
}
