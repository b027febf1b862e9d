//! A body's shape errors in the caller's words: serde says `unknown variant`, `expected
//! i64` or `invalid type: string "x"`; a caller is told "must be one of a, b", "must be
//! a whole number" or "is required". Also how to put a value of the right shape where a
//! wrong one was, so the rest of the body can be checked too.

use serde_json::Value;

/// What serde's message means, said plainly.
pub fn message(serde: &str) -> String {
    if serde.starts_with("missing field `") {
        return "is required".to_owned();
    }
    if let Some(rest) = serde.strip_prefix("unknown field `") {
        let (given, expected) = rest.split_once("`, ").unwrap_or((rest, ""));
        let given = given.trim_end_matches('`');
        return match listed(expected) {
            Some(fields) => format!("is not a field here ({given}); the fields are {fields}"),
            None => format!("is not a field here ({given}); there are no fields to give"),
        };
    }
    if let Some(rest) = serde.strip_prefix("unknown variant `") {
        let (given, expected) = rest.split_once("`, ").unwrap_or((rest, ""));
        return match listed(expected) {
            Some(values) => format!("must be one of {values}, not {given}"),
            None => format!("{given} is not a value this field takes"),
        };
    }
    if let Some(rest) = serde.strip_prefix("invalid length ") {
        let expected = rest.split_once("expected ").map_or("", |(_, e)| e);
        return format!("has the wrong number of entries: it must have {expected}");
    }
    if let Some(rest) = serde
        .strip_prefix("invalid type: ")
        .or_else(|| serde.strip_prefix("invalid value: "))
    {
        let (given, expected) = rest.split_once(", expected ").unwrap_or(("", rest));
        let kind = kind_of(expected);
        if given.starts_with("null") {
            return format!("must not be null: it must be {}", kind.words());
        }
        return match kind {
            Kind::Whole(Some((min, max))) if given.starts_with("integer") => format!(
                "must be a whole number from {min} to {max}, not {}",
                given_value(given)
            ),
            _ => format!("must be {}, not {}", kind.words(), given_kind(given)),
        };
    }
    if is_date_error(serde) {
        return "must be a date, YYYY-MM-DD".to_owned();
    }
    // A message of the hub's own (a code's or a key's format): already in words.
    serde.to_owned()
}

/// A syntax error's reason, without serde's wording of where.
pub fn syntax(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "it ends too early".to_owned(),
        Category::Syntax => {
            let text = e.to_string();
            let reason = text.split(" at line ").next().unwrap_or(&text);
            match reason {
                "expected value" => {
                    "a value was expected (text, a number, true, false, null, a list or an object)"
                        .to_owned()
                }
                "trailing characters" => "there is more after the JSON value".to_owned(),
                "key must be a string" => "an object's keys must be in double quotes".to_owned(),
                "trailing comma" => "a comma is followed by no value".to_owned(),
                other => other.to_owned(),
            }
        }
        Category::Io | Category::Data => "it cannot be read".to_owned(),
    }
}

/// Values of the shape serde asked for, to try in place of a wrong one (best guess first).
pub fn candidates(serde: &str) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(rest) = serde.strip_prefix("unknown variant `") {
        if let Some((_, expected)) = rest.split_once("`, ") {
            if let Some(first) = expected.split('`').nth(1) {
                out.push(Value::String(first.to_owned()));
            }
        }
    }
    let expected = serde.split(", expected ").nth(1).unwrap_or("");
    match kind_of(expected) {
        Kind::Whole(range) => {
            out.push(Value::from(range.map_or(1, |(min, _)| min.max(0))));
        }
        Kind::Number => out.push(Value::from(1)),
        Kind::Date => out.push(Value::from("2000-01-01")),
        Kind::Instant => out.push(Value::from("2000-01-01T00:00:00Z")),
        Kind::Bool => out.push(Value::Bool(false)),
        Kind::List => out.push(Value::Array(Vec::new())),
        Kind::Object => out.push(Value::Object(Default::default())),
        Kind::Text | Kind::Other(_) => {}
    }
    if is_date_error(serde) {
        out.push(Value::from("2000-01-01"));
    }
    // Then any shape at all.
    out.extend([
        Value::from("x"),
        Value::from(1),
        Value::from("2000-01-01"),
        Value::Bool(false),
        Value::Array(Vec::new()),
        Value::Object(Default::default()),
    ]);
    out
}

/// Sets the value at `field` (`a.b[2].c`), creating the last key if it is missing.
pub fn set(body: &mut Value, field: &str, value: Value) -> bool {
    match locate(body, field) {
        Some((Value::Object(map), Step::Key(key))) => {
            map.insert(key, value);
            true
        }
        Some((parent, Step::Index(i))) => match parent.as_array_mut().and_then(|a| a.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// Removes the value at `field`, if it is an object's key.
pub fn remove(body: &mut Value, field: &str) -> bool {
    match locate(body, field) {
        Some((Value::Object(map), Step::Key(key))) => map.remove(&key).is_some(),
        _ => false,
    }
}

enum Step {
    Key(String),
    Index(usize),
}

/// The value holding `field`'s last step, and that step.
fn locate<'a>(body: &'a mut Value, field: &str) -> Option<(&'a mut Value, Step)> {
    let mut steps = Vec::new();
    for part in field.split('.') {
        let (key, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            steps.push(Step::Key(key.to_owned()));
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            steps.push(Step::Index(index.trim_end_matches(']').parse().ok()?));
        }
    }
    let last = steps.pop()?;
    let mut at = body;
    for step in steps {
        at = match step {
            Step::Key(key) => at.as_object_mut()?.get_mut(&key)?,
            Step::Index(i) => at.as_array_mut()?.get_mut(i)?,
        };
    }
    Some((at, last))
}

#[derive(Debug, PartialEq)]
enum Kind {
    /// A whole number, with its range when serde names a small integer type.
    Whole(Option<(i64, i64)>),
    Number,
    Text,
    Bool,
    List,
    Object,
    Date,
    Instant,
    Other(String),
}

impl Kind {
    fn words(&self) -> String {
        match self {
            Kind::Whole(None) => "a whole number".to_owned(),
            Kind::Whole(Some((min, max))) => format!("a whole number from {min} to {max}"),
            Kind::Number => "a number".to_owned(),
            Kind::Text => "text".to_owned(),
            Kind::Bool => "true or false".to_owned(),
            Kind::List => "a list".to_owned(),
            Kind::Object => "an object".to_owned(),
            Kind::Date => "a date, YYYY-MM-DD".to_owned(),
            Kind::Instant => "a date and time, RFC 3339 (2026-12-03T10:00:00Z)".to_owned(),
            Kind::Other(what) => what.clone(),
        }
    }
}

fn kind_of(expected: &str) -> Kind {
    let expected = expected.trim();
    match expected {
        "u8" => Kind::Whole(Some((0, 255))),
        "u16" => Kind::Whole(Some((0, 65_535))),
        "i8" => Kind::Whole(Some((-128, 127))),
        "i16" => Kind::Whole(Some((-32_768, 32_767))),
        "u32" | "u64" | "usize" | "i32" | "i64" | "isize" | "u128" | "i128" => Kind::Whole(None),
        "f32" | "f64" => Kind::Number,
        "a string" | "a borrowed string" | "a character" | "a char" => Kind::Text,
        "a boolean" => Kind::Bool,
        "a sequence" | "a tuple" => Kind::List,
        "a map" | "unit" => Kind::Object,
        e if e.starts_with("struct ") || e.starts_with("tuple struct ") => Kind::Object,
        e if e.starts_with("a formatted date and time") || e.contains("RFC 3339") => Kind::Instant,
        e if e.contains("date") => Kind::Date,
        e if e.starts_with("enum ") || e.starts_with("variant ") => {
            Kind::Other("one of the values the field takes".to_owned())
        }
        other => Kind::Other(other.to_owned()),
    }
}

/// `string "lots"` → `text (lots)`, `integer `-1`` → `-1`.
fn given_kind(given: &str) -> String {
    let (kind, value) = given.split_once(' ').unwrap_or((given, ""));
    let value = value.trim_matches(|c| c == '`' || c == '"');
    let kind = match kind {
        "string" => "text",
        "integer" => "a whole number",
        "floating" => "a number with a fraction",
        "boolean" => "true or false",
        "sequence" => "a list",
        "map" => "an object",
        "null" => "null",
        other => other,
    };
    let value = value.trim_start_matches("point ").trim_matches('`');
    if value.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} ({value})")
    }
}

fn given_value(given: &str) -> String {
    given
        .split_once(' ')
        .map_or(given, |(_, v)| v)
        .trim_matches(|c| c == '`' || c == '"')
        .to_owned()
}

/// "`a`, `b`" or "one of `a`, `b`" or "`a` or `b`" → "a, b"; None when nothing is listed.
fn listed(expected: &str) -> Option<String> {
    let names: Vec<&str> = expected
        .split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, name)| name)
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn is_date_error(serde: &str) -> bool {
    [
        "input contains invalid characters",
        "premature end of input",
        "input is out of range",
        "trailing input",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
    ]
    .iter()
    .any(|m| serde.starts_with(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_words_become_the_callers() {
        for (serde, said) in [
            ("missing field `crn`", "is required"),
            (
                "unknown variant `robot`, expected `female` or `male`",
                "must be one of female, male, not robot",
            ),
            (
                "unknown variant `x`, expected one of `a`, `b`, `c`",
                "must be one of a, b, c, not x",
            ),
            (
                "unknown field `colour`, expected one of `code`, `title`",
                "is not a field here (colour); the fields are code, title",
            ),
            (
                "invalid type: string \"lots\", expected i64",
                "must be a whole number, not text (lots)",
            ),
            (
                "invalid type: floating point `12.5`, expected i64",
                "must be a whole number, not a number with a fraction (12.5)",
            ),
            (
                "invalid value: integer `300`, expected u8",
                "must be a whole number from 0 to 255, not 300",
            ),
            (
                "invalid type: null, expected a string",
                "must not be null: it must be text",
            ),
            (
                "input contains invalid characters",
                "must be a date, YYYY-MM-DD",
            ),
            ("must be 2-16 characters", "must be 2-16 characters"),
        ] {
            assert_eq!(message(serde), said, "{serde}");
        }
        for rust in ["unknown variant", "expected i64", "invalid type", "`"] {
            assert!(
                !message("invalid type: string \"lots\", expected i64").contains(rust),
                "{rust}"
            );
        }
    }

    #[test]
    fn values_are_set_and_removed_by_path() {
        let mut body = serde_json::json!({"a": {"b": [1, {"c": 2}]}});
        assert!(set(&mut body, "a.b[1].c", Value::from(3)));
        assert!(set(&mut body, "a.d", Value::from("new")));
        assert!(remove(&mut body, "a.b[1].c"));
        assert_eq!(body, serde_json::json!({"a": {"b": [1, {}], "d": "new"}}));
        assert!(!set(&mut body, "a.b[9]", Value::Null));
    }
}
