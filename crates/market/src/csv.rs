//! CSV for finance systems and spreadsheets: the rows of a list or report, a header line
//! first, CRLF line ends; free text quoted, and never a formula. One writer, used by the
//! API's `Accept: text/csv` answers and the web's downloads alike.

/// One CSV field of free text (names, reasons): quoted when it holds a comma, quote or
/// line break, and a leading `=`, `+`, `-`, `@` or tab neutralised with `'` so a
/// spreadsheet shows it rather than running it as a formula.
pub fn text(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The header line and the rows, fields joined by commas.
pub fn table(head: &str, rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut body = String::from(head);
    body.push_str("\r\n");
    for row in rows {
        body.push_str(&row.join(","));
        body.push_str("\r\n");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_quoted_and_never_a_formula() {
        assert_eq!(text("Steel City"), "Steel City");
        assert_eq!(text("Smith, Jones & Co"), "\"Smith, Jones & Co\"");
        assert_eq!(text("the \"big\" one"), "\"the \"\"big\"\" one\"");
        assert_eq!(text("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(text("-1"), "'-1");
        assert_eq!(text("+44"), "'+44");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn a_table_is_a_header_and_crlf_rows() {
        let rows = vec![vec!["a".into(), "1".into()], vec!["b".into(), "2".into()]];
        assert_eq!(
            table("name,n", rows.into_iter()),
            "name,n\r\na,1\r\nb,2\r\n"
        );
    }
}
