//! Turning a list file's bytes into text and rows: encoding (UTF-8 with or without BOM, Windows-1251) and
//! separator (comma or semicolon) detection, as Excel and loan systems export them.

use std::path::Path;

use super::ImportError;

/// The text encodings a list may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// Windows-1251 (Excel's default "CSV" on Russian Windows).
    Windows1251,
}

impl Encoding {
    /// A short human name.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf8 => "UTF-8",
            Encoding::Windows1251 => "Windows-1251",
        }
    }
}

/// Decodes a file: a UTF-8 BOM wins, valid UTF-8 is UTF-8, anything else is read as Windows-1251.
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return (
            String::from_utf8_lossy(rest).into_owned(),
            Encoding::Utf8Bom,
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), Encoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
            (text.into_owned(), Encoding::Windows1251)
        }
    }
}

/// Picks the separator from the header line: whichever of `;` and `,` occurs more outside quotes (comma on a tie).
pub fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut commas, mut semis, mut quoted) = (0usize, 0usize, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas {
        b';'
    } else {
        b','
    }
}

/// A list read into memory: its header and every data row with the line it starts on.
#[derive(Debug, Clone)]
pub struct Table {
    /// Header cells as written.
    pub headers: Vec<String>,
    /// Data rows: the 1-based line number where each starts, and its cells.
    pub rows: Vec<(u64, Vec<String>)>,
    /// The detected encoding.
    pub encoding: Encoding,
    /// The detected separator.
    pub delimiter: u8,
}

/// Reads and parses a CSV file; malformed CSV (e.g. an unclosed quote) is an error naming the line.
pub fn read_table(path: &Path) -> Result<Table, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse_table(path, &bytes)
}

/// Parses CSV bytes already in memory (`path` only names the file in errors).
pub fn parse_table(path: &Path, bytes: &[u8]) -> Result<Table, ImportError> {
    let file = path.display().to_string();
    let (text, encoding) = decode(bytes);
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers = match records.next() {
        None => return Err(ImportError::Empty { path: file }),
        Some(Err(e)) => return Err(malformed(&file, &text, &e)),
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_string()).collect::<Vec<_>>(),
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(ImportError::Empty { path: file });
    }
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| malformed(&file, &text, &e))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| line_at(&text, p.byte()));
        if record.len() != headers.len() {
            return Err(ImportError::Malformed {
                path: file,
                line,
                message: format!(
                    "row has {} fields but the header has {} (check the separator and quotes)",
                    record.len(),
                    headers.len()
                ),
            });
        }
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(Table {
        headers,
        rows,
        encoding,
        delimiter,
    })
}

/// The file's 1-based line of a record the CSV reader says starts at `byte`. The reader's own line count is
/// off for CRLF endings and blank lines, and its offset may point at the line endings before the record.
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
        start += 1;
    }
    bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn malformed(file: &str, text: &str, e: &csv::Error) -> ImportError {
    let line = e.position().map_or(0, |p| line_at(text, p.byte()));
    ImportError::Malformed {
        path: file.to_string(),
        line,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_encodings() {
        let (t, e) = decode("\u{feff}фио".as_bytes());
        assert_eq!((t.as_str(), e), ("фио", Encoding::Utf8Bom));
        let (t, e) = decode("фио".as_bytes());
        assert_eq!((t.as_str(), e), ("фио", Encoding::Utf8));
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("ФИО;телефон");
        let (t, e) = decode(&bytes);
        assert_eq!((t.as_str(), e), ("ФИО;телефон", Encoding::Windows1251));
    }

    #[test]
    fn crlf_rows_keep_their_line_numbers() {
        let crlf = b"id,name\r\nA-1,Ann\r\n\r\nA-2,Bob\r\n";
        let lf = b"id,name\nA-1,Ann\n\nA-2,Bob\n";
        for bytes in [&crlf[..], &lf[..]] {
            let t = parse_table(Path::new("x.csv"), bytes).unwrap();
            let lines: Vec<u64> = t.rows.iter().map(|(l, _)| *l).collect();
            assert_eq!(lines, vec![2, 4]);
        }
        let Err(ImportError::Malformed { line, .. }) =
            parse_table(Path::new("x.csv"), b"id,name\r\nA-1,Ann\r\nA-2\r\n")
        else {
            panic!("a short row is malformed")
        };
        assert_eq!(line, 3);
    }

    #[test]
    fn detects_separators() {
        assert_eq!(detect_delimiter("a;b;c\n1,5;2;3"), b';');
        assert_eq!(detect_delimiter("a,b,c"), b',');
        assert_eq!(detect_delimiter("\"a;b\",c"), b',');
    }
}
