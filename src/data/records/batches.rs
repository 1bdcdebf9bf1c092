//! A record dataset's tally in batches, so memory is the same for a thousand rows as for a
//! hundred million.
//!
//! Polars' streaming engine maps the whole file into memory: its heap stays small, but every
//! page it has read counts as the process's memory until the end (359 MiB of a 337 MiB CSV
//! at 10^7 rows), and it decodes up to 16 Parquet row groups ahead (354 MiB of heap for a
//! 62 MiB file). Here a reading thread takes [`BATCH`] bytes of CSV at a time, cut after a
//! whole record, and Polars parses them while the batch before is tallied; a Parquet file is
//! taken a few row groups at a time, each run a query of its own. Each batch's tally is
//! added to the running one: counts, sums and null counts add up across batches, so the
//! result is what one pass over the whole file gives.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc::sync_channel;

use polars::prelude::*;

/// Bytes of CSV per batch: large enough that Polars' parser keeps both cores busy, small
/// enough that the two batches in flight (one parsed while the one before is tallied) stay
/// well under 250 MiB. At 10^8 rows, 16 MiB peaked at 251 MiB, 8 MiB at 171 MiB and was no
/// slower (8.9 s against 9.3 s; `cargo bench -- records`, 2026-12-03).
const BATCH: usize = 8 << 20;

/// A file's records in batches, each a run of whole records without the header line.
struct Batches {
    file: std::fs::File,
    /// The start of a record read with the batch before.
    carry: Vec<u8>,
    /// Whether the header line has been skipped.
    started: bool,
    /// Bytes read at a time ([`BATCH`], smaller in tests).
    size: usize,
    done: bool,
}

impl Batches {
    fn next_batch(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        let have = buf.len();
        buf.resize(have + self.size, 0);
        let mut filled = have;
        while filled < buf.len() {
            match self.file.read(&mut buf[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        buf.truncate(filled);
        let at_end = filled < have + self.size;
        if !self.started {
            // The header line, found the way the records are: outside quotes.
            match first_record_end(&buf) {
                Some(end) => {
                    buf.drain(..end);
                    self.started = true;
                }
                None if at_end => {
                    self.done = true;
                    return Ok(None);
                }
                None => {
                    self.carry = buf;
                    return self.next_batch();
                }
            }
        }
        if at_end {
            self.done = true;
            return Ok((!buf.is_empty()).then_some(buf));
        }
        // Cut after the last whole record; what follows starts the next batch.
        match last_record_end(&buf) {
            Some(end) => {
                self.carry = buf.split_off(end);
                Ok(Some(buf))
            }
            // One record longer than a batch: read on until it ends.
            None => {
                self.carry = buf;
                self.next_batch()
            }
        }
    }
}

/// Just after the first line end outside quotes.
fn first_record_end(buf: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for i in memchr::memchr2_iter(b'"', b'\n', buf) {
        match buf[i] {
            b'"' => quoted = !quoted,
            _ if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Just after the last line end outside quotes. Quotes toggle (an escaped `""` toggles
/// twice), so only the quotes need counting; a file without quotes costs one backward search.
fn last_record_end(buf: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', buf).is_none() {
        return memchr::memrchr(b'\n', buf).map(|i| i + 1);
    }
    let mut quoted = false;
    let mut last = None;
    for i in memchr::memchr2_iter(b'"', b'\n', buf) {
        match buf[i] {
            b'"' => quoted = !quoted,
            _ if !quoted => last = Some(i + 1),
            _ => {}
        }
    }
    last
}

/// A CSV file's records in batches of about [`BATCH`] bytes, each parsed by Polars when it
/// is taken (on the reading thread). `schema` names every column of the file in order,
/// `columns` the ones parsed.
pub(super) fn csv(
    path: &Path,
    schema: SchemaRef,
    columns: Arc<[PlSmallStr]>,
) -> PolarsResult<impl Iterator<Item = PolarsResult<LazyFrame>> + Send> {
    csv_in_batches_of(BATCH, path, schema, columns)
}

fn csv_in_batches_of(
    size: usize,
    path: &Path,
    schema: SchemaRef,
    columns: Arc<[PlSmallStr]>,
) -> PolarsResult<impl Iterator<Item = PolarsResult<LazyFrame>> + Send> {
    let file = std::fs::File::open(path).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    let mut batches = Batches { file, carry: Vec::new(), started: false, done: false, size };
    Ok(std::iter::from_fn(move || {
        let bytes = match batches.next_batch() {
            Ok(bytes) => bytes?,
            Err(e) => return Some(Err(polars_err!(ComputeError: "{e}"))),
        };
        // Polars (without its nightly `simd` feature) finds its chunks' line ends byte by
        // byte, on one thread, before parsing them in parallel, and tests every byte for a
        // quote. A batch without quotes parses the same without that test, which halves
        // that scan: 10^7 rows took 0.91–0.97 of the time (A/B pairs, 2026-12-07).
        let quote = memchr::memchr(b'"', &bytes).map(|_| b'"');
        Some(
            CsvReadOptions::default()
                .with_has_header(false)
                .map_parse_options(|o| o.with_quote_char(quote))
                .with_schema(Some(schema.clone()))
                .with_columns(Some(columns.clone()))
                .into_reader_with_file_handle(std::io::Cursor::new(bytes))
                .finish()
                .map(DataFrame::lazy),
        )
    }))
}

/// Rows per Parquet batch: whole row groups, as many as fit (at least one). Each run costs a
/// query's start and drain, so larger runs are quicker, but Polars decodes a run's row
/// groups ahead: at 2^22 rows, 10^8 rows took 3.0 s instead of 4.1 but peaked at 316 MiB
/// instead of 190.
const GROUP_ROWS: usize = 1 << 21;

/// A Parquet file's records in runs of whole row groups, each a query of its own: Polars
/// maps the file for a query and unmaps it at its end, so only one run's pages are resident.
pub(super) fn parquet(path: &Path) -> PolarsResult<impl Iterator<Item = PolarsResult<LazyFrame>> + Send> {
    let file = std::fs::File::open(path).map_err(|e| polars_err!(ComputeError: "{e}"))?;
    let groups: Vec<usize> = ParquetReader::new(file).get_metadata()?.row_groups.iter().map(|g| g.num_rows()).collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for rows in groups {
        match runs.last_mut() {
            Some((_, len)) if *len + rows <= GROUP_ROWS => *len += rows,
            _ => runs.push((start, rows)),
        }
        start += rows;
    }
    let path = PlRefPath::try_from_path(path)?;
    Ok(runs.into_iter().map(move |(start, len)| {
        Ok(LazyFrame::scan_parquet(path.clone(), ScanArgsParquet::default())?.slice(start as i64, len as IdxSize))
    }))
}

/// Tallies a file batch by batch on Polars' streaming engine: the next batch is read on a
/// thread of its own while this one is counted; `per_batch` makes a batch's tally and
/// `merge` adds tallies (concatenated) into one. `empty` stands for a file without records.
pub(super) fn tally(
    batches: impl Iterator<Item = PolarsResult<LazyFrame>> + Send,
    per_batch: impl Fn(LazyFrame) -> LazyFrame,
    merge: impl Fn(LazyFrame) -> LazyFrame,
    empty: LazyFrame,
) -> PolarsResult<DataFrame> {
    // The streaming engine groups a parsed batch faster than the in-memory one (1.29 against
    // 1.40–1.73 s for 10^7 rows of CSV).
    let streaming = |lf: LazyFrame| -> PolarsResult<DataFrame> { Ok(lf.collect_with_engine(Engine::Streaming)?.unwrap_single()) };
    // No queue: the next batch is read while this one is tallied, and no more.
    let (send, receive) = sync_channel::<PolarsResult<LazyFrame>>(0);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for batch in batches {
                let failed = batch.is_err();
                if send.send(batch).is_err() || failed {
                    return;
                }
            }
        });
        let mut running: Option<DataFrame> = None;
        for batch in receive {
            let counted = streaming(per_batch(batch?))?;
            running = Some(match running {
                None => counted,
                Some(before) => merge(concat([before.lazy(), counted.lazy()], UnionArgs::default())?).collect()?,
            });
        }
        match running {
            Some(df) => Ok(df),
            None => per_batch(empty).collect(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_never_falls_inside_quotes() {
        let csv = b"a,\"x\ny\",1\nb,\"\"\"q\"\"\",2\nc,\"open\n";
        assert_eq!(last_record_end(csv), Some(csv.len() - 8));
        assert_eq!(last_record_end(b"a,1\nb,2\nc"), Some(8));
        assert_eq!(last_record_end(b"no line end"), None);
        assert_eq!(first_record_end(b"h1,\"h\n2\"\nrow\n"), Some(9));
    }

    /// Batches far smaller than a record, cut next to quoted line ends, read the same
    /// records as one pass over the file; so do batches with quotes beside batches without
    /// (read without the quote check).
    #[test]
    fn batches_of_any_size_read_every_record_once() {
        let dir = std::env::temp_dir().join(format!("batches-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.csv");
        let mut csv = String::from("\u{feff}name,\"n\"\n");
        for i in 0..200 {
            if i % 40 < 20 {
                csv.push_str(&format!("\"line\n{i} \"\"q\"\"\",{i}\r\n"));
            } else {
                csv.push_str(&format!("plain {i},{i}\r\n"));
            }
        }
        std::fs::write(&path, csv).unwrap();
        let schema: SchemaRef =
            Arc::new(Schema::from_iter([Field::new("name".into(), DataType::String), Field::new("n".into(), DataType::Int64)]));
        let whole = CsvReadOptions::default()
            .with_schema(Some(schema.clone()))
            .try_into_reader_with_file_path(Some(path.clone()))
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(whole.height(), 200);
        for size in [1, 7, 64, 1 << 20] {
            let frames: Vec<DataFrame> = csv_in_batches_of(size, &path, schema.clone(), ["name".into(), "n".into()].into())
                .unwrap()
                .map(|lf| lf.unwrap().collect().unwrap())
                .collect();
            let mut read = frames[0].clone();
            for f in &frames[1..] {
                read.vstack_mut(f).unwrap();
            }
            assert!(read.equals(&whole), "batches of {size} bytes");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
