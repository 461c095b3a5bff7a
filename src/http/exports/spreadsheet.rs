//! CSV that a spreadsheet opens safely: UTF-8 with a byte order mark, and no cell that it
//! would run as a formula.

use std::borrow::Cow;

use axum::body::Bytes;

use crate::error::{AppError, AppResult};

/// How a list (a question's preferred formats) is written in one cell.
pub const LIST_SEPARATOR: &str = ";";

/// First characters that make Excel, LibreOffice or Google Sheets read a cell as a formula
/// (OWASP "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell`, prefixed with a single quote when it starts like a formula, as OWASP recommends:
/// the spreadsheet then shows it as text. Applied to every cell, since any may hold input.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes CSV rows with every cell neutralised.
pub struct SafeCsv {
    writer: csv::Writer<Vec<u8>>,
}

impl SafeCsv {
    /// A writer; `with_bom` starts the bytes with a UTF-8 byte order mark, so that
    /// spreadsheets read the file as UTF-8 (only the first chunk of a stream has it).
    pub fn new(with_bom: bool) -> Self {
        let start = if with_bom {
            "\u{feff}".as_bytes().to_vec()
        } else {
            Vec::new()
        };
        Self {
            writer: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(start),
        }
    }

    pub fn row<I, S>(&mut self, cells: I) -> AppResult<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.writer
            .write_record(
                cells
                    .into_iter()
                    .map(|cell| neutralise(cell.as_ref()).into_owned()),
            )
            .map_err(AppError::internal)
    }

    pub fn finish(self) -> AppResult<Bytes> {
        self.writer
            .into_inner()
            .map(Bytes::from)
            .map_err(|err| AppError::internal(anyhow::anyhow!("{err}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_a_formula_get_a_quote_and_others_stay() {
        for start in FORMULA_STARTS {
            let cell = format!("{start}1+1");
            assert_eq!(neutralise(&cell), format!("'{cell}"));
        }
        for cell in [
            "",
            "Hoe 1+1?",
            "'=1",
            " =1",
            "APPROVED",
            "2021-01-28T13:00:00Z",
            "0",
        ] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn a_row_is_written_neutralised_and_quoted() -> AppResult<()> {
        let mut csv = SafeCsv::new(true);
        csv.row(["=1+1", "a,b", "\"q\""])?;
        let bytes = csv.finish()?;
        assert_eq!(
            &bytes[..],
            "\u{feff}'=1+1,\"a,b\",\"\"\"q\"\"\"\n".as_bytes()
        );
        Ok(())
    }
}
