//! Record-level datasets (an enterprise register, a patent database, financing events): one
//! row per record, up to tens of millions of rows, declared in `data/records/<id>.yaml`
//! like the tables but read by Polars in batches (CSV or Parquet, `batches`), so a query
//! reads only the columns it needs and memory does not grow with the file.
//!
//! The small hand-edited tables keep their own reader (`csv_in`, a line and column in every
//! error). Here a bad cell surfaces when a batch is parsed; the first bad row's line is then
//! found with one streaming pass of the csv crate, so the error still names the file, line
//! and column.
//!
//! Derived numbers (`data/derived/*.yaml`) name a record dataset like a table:
//! `count(enterprises, province = "广东")`, `rank(enterprises, field, "金融")`. The evaluator
//! asks [`Dataset::tally`] for one pass that counts the records of each
//! combination of the columns its formulas use, and evaluates them on those counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

mod batches;

use super::csv_in;
use crate::catalog::{ColumnSpec, ColumnType};
use crate::error::{Error, InputError, Result};

pub use crate::catalog::{RecordFormat as Format, RecordMeta};

/// In a tally ([`Dataset::tally`]), how many records each row stands for.
pub const ROWS: &str = "__rows";

/// In a tally, the column holding the sum of `column` over the records of each row.
pub fn sum_column(column: &str) -> String {
    format!("__sum__{column}")
}

/// One declared record dataset: its metadata, the YAML it came from and its data file.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub meta: RecordMeta,
    pub yaml: PathBuf,
    pub file: PathBuf,
}

impl Dataset {
    /// A dataset declared by `yaml` (already parsed as `meta`), once its data file exists.
    pub fn new(yaml: &Path, meta: RecordMeta) -> Result<Dataset> {
        let file = yaml.parent().unwrap_or(Path::new(".")).join(&meta.path);
        if !file.is_file() {
            return Err(InputError::new(yaml, format!("data file {} not found", file.display()))
                .hint("`path` is relative to this YAML; check the file name and `format`")
                .into());
        }
        Ok(Dataset { meta, yaml: yaml.to_path_buf(), file })
    }

    /// The declared columns among `names`, each cast to its declared type.
    fn declared_types(&self, names: &[&str]) -> Vec<Expr> {
        self.meta
            .columns
            .iter()
            .filter(|c| names.contains(&c.name.as_str()))
            .filter_map(|c| Some(col(c.name.as_str()).strict_cast(dtype(c.kind)?).alias(c.name.as_str())))
            .collect()
    }

    fn check_types(&self) -> Result<()> {
        for spec in &self.meta.columns {
            if dtype(spec.kind).is_none() {
                return Err(InputError::new(
                    &self.yaml,
                    format!("column `{}`: record datasets take string, integer and number columns", spec.name),
                )
                .hint("store months and dates as integer columns, e.g. `year` and `month`")
                .into());
            }
        }
        Ok(())
    }

    /// Every column of the CSV in the file's order, with its declared type. Undeclared
    /// columns are read as text, and only if a query asks for them.
    fn csv_schema(&self) -> Result<SchemaRef> {
        let header = csv_header(&self.file)?;
        for spec in &self.meta.columns {
            if !header.contains(&spec.name) {
                return Err(self.missing_column(&spec.name, &header));
            }
        }
        let declared: BTreeMap<&str, &ColumnSpec> = self.meta.columns.iter().map(|c| (c.name.as_str(), c)).collect();
        let schema: Schema = header
            .iter()
            .map(|name| {
                Field::new(name.as_str().into(), declared.get(name.as_str()).and_then(|c| dtype(c.kind)).unwrap_or(DataType::String))
            })
            .collect();
        Ok(Arc::new(schema))
    }

    /// The dataset as a lazy query over its file: the declared columns
    /// with their types (integer → Int64, number → Float64, string → String). Nothing is
    /// read until the query runs.
    fn scan(&self) -> Result<LazyFrame> {
        self.check_types()?;
        let path = PlRefPath::try_from_path(&self.file).map_err(|e| self.polars_error(e))?;
        let lf = match self.meta.format {
            Format::Csv => LazyCsvReader::new(path).with_has_header(true).with_schema(Some(self.csv_schema()?)).finish(),
            Format::Parquet => LazyFrame::scan_parquet(path, ScanArgsParquet::default()),
        }
        .map_err(|e| self.polars_error(e))?;
        if self.meta.format == Format::Parquet {
            let mut probe = lf.clone();
            let schema = probe.collect_schema().map_err(|e| self.polars_error(e))?;
            let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
            for spec in &self.meta.columns {
                if !names.contains(&spec.name) {
                    return Err(self.missing_column(&spec.name, &names));
                }
            }
        }
        // Parquet columns of another width (Int32, Float32) are cast to the declared type.
        let all: Vec<&str> = self.meta.columns.iter().map(|c| c.name.as_str()).collect();
        Ok(lf.select(self.declared_types(&all)))
    }

    /// Counts the records of each combination of `keys` in one pass over the file, in batches,
    /// and sums each of `sums` per combination (column [`sum_column`]); the count is column
    /// [`ROWS`]. The result has a row per combination (a few thousand for provinces × fields
    /// × years, whatever the file's size), so every derived number over the dataset costs
    /// this one scan. No keys: one row for the whole file. A missing value in a column that
    /// may not be empty is an error with its line, as in a table.
    pub fn tally(&self, keys: &[&str], sums: &[&str]) -> Result<DataFrame> {
        for name in keys.iter().chain(sums) {
            if !self.meta.columns.iter().any(|c| c.name == *name) {
                let declared: Vec<String> = self.meta.columns.iter().map(|c| c.name.clone()).collect();
                return Err(InputError::new(&self.yaml, format!("column `{name}` is not declared"))
                    .hint(format!("declared columns: {}", declared.join(", ")))
                    .into());
            }
        }
        let mut aggs = vec![len().cast(DataType::Float64).alias(ROWS)];
        aggs.extend(sums.iter().map(|c| col(*c).cast(DataType::Float64).sum().alias(sum_column(c).as_str())));
        aggs.extend(sums.iter().map(|c| col(*c).null_count().cast(DataType::Float64).alias(format!("__nulls__{c}").as_str())));
        let by = || keys.iter().map(|k| col(*k)).collect::<Vec<_>>();
        let counted = |lf: LazyFrame| match keys {
            [] => lf.select(aggs.clone()),
            _ => lf.group_by(by()).agg(aggs.clone()),
        };
        // Sorted, so the tally (and whatever keeps its order) is deterministic.
        let sorted = |lf: LazyFrame| match keys {
            [] => lf,
            _ => lf.sort(keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(), SortMultipleOptions::default()),
        };
        // Counts, sums and null counts of two batches add up.
        let added = |lf: LazyFrame| match keys {
            [] => lf.select([all().as_expr().sum()]),
            _ => lf.group_by(by()).agg([all().as_expr().sum()]),
        };
        self.check_types()?;
        let tally = match self.meta.format {
            Format::Csv => {
                let schema = self.csv_schema()?;
                let empty = DataFrame::empty_with_schema(&schema).lazy();
                let columns = keys.iter().chain(sums).map(|c| PlSmallStr::from(*c)).collect();
                batches::csv(&self.file, schema, columns).and_then(|batches| batches::tally(batches, counted, added, empty))
            }
            Format::Parquet => {
                // Columns of another width (Int32, Float32) are cast to the declared type.
                let read: Vec<&str> = keys.iter().chain(sums).copied().collect();
                let declared = self.declared_types(&read);
                let typed = |lf: LazyFrame| counted(lf.with_columns(declared.clone()));
                let empty = self.scan()?.limit(0);
                batches::parquet(&self.file).and_then(|batches| batches::tally(batches, typed, added, empty))
            }
        }
        .and_then(|df| sorted(df.lazy()).collect())
        .map_err(|e| self.first_bad_cell().unwrap_or_else(|| self.polars_error(e)))?;
        let required = |name: &str| self.meta.columns.iter().any(|c| c.name == name && !c.nullable);
        let missing = keys.iter().filter(|k| required(k)).find(|k| tally.column(k).is_ok_and(|c| c.null_count() > 0)).or_else(|| {
            sums.iter()
                .filter(|c| required(c))
                .find(|c| super::floats(&tally, &format!("__nulls__{c}")).iter().flatten().sum::<f64>() > 0.0)
        });
        match missing {
            None => Ok(tally),
            Some(column) => Err(self.first_bad_cell().unwrap_or_else(|| {
                InputError::new(&self.file, format!("a record has no value in column `{column}`, which may not be empty"))
                    .field(*column)
                    .hint("fill in the values, or declare the column `nullable: true`")
                    .into()
            })),
        }
    }

    fn missing_column(&self, name: &str, found: &[String]) -> Error {
        let hint = match crate::error::nearest(name, found.iter().map(String::as_str)) {
            Some(near) => format!("the file has `{near}`; rename the column in the file or in the YAML"),
            None => format!("the file's columns are: {}", found.join(", ")),
        };
        InputError::new(&self.file, format!("column `{name}` declared in {} is not in the file", self.yaml.display()))
            .line(1)
            .hint(hint)
            .into()
    }

    fn polars_error(&self, e: PolarsError) -> Error {
        super::polars_error(&format!("record dataset `{}`", self.meta.id), &self.file, e)
    }

    /// The first cell that does not fit its declared type or nullability, with its line
    /// and column. Streams the file (memory stays flat); only called after a failed query.
    fn first_bad_cell(&self) -> Option<Error> {
        if self.meta.format != Format::Csv {
            return None;
        }
        let file = std::fs::File::open(&self.file).ok()?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(std::io::BufReader::new(file));
        let header = reader.headers().ok()?.clone();
        let positions: Vec<(usize, &ColumnSpec)> =
            self.meta.columns.iter().filter_map(|c| header.iter().position(|h| h == c.name).map(|p| (p, c))).collect();
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => return None,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    return Some(InputError::new(&self.file, format!("unreadable CSV: {e}")).line(line).into());
                }
                Ok(true) => {}
            }
            let line = record.position().map_or(0, |p| p.line() as usize);
            for &(pos, spec) in &positions {
                let raw = record.get(pos).unwrap_or("");
                let problem = if raw.is_empty() {
                    (!spec.nullable).then(|| ("empty cell in a column that may not be empty".to_string(), None))
                } else {
                    csv_in::check_type(raw, spec.kind)
                        .err()
                        .map(|hint| (format!("`{raw}` is not a valid {:?}", spec.kind).to_lowercase(), Some(hint)))
                };
                if let Some((message, hint)) = problem {
                    let column = 1 + record.iter().take(pos).map(|f| f.chars().count() + 1).sum::<usize>();
                    let mut err = InputError::new(&self.file, message).at(line, column).field(&spec.name);
                    err.excerpt = Some(record.iter().collect::<Vec<_>>().join(","));
                    if let Some(hint) = hint {
                        err = err.hint(hint);
                    }
                    return Some(err.into());
                }
            }
        }
    }
}

/// The CSV's column names, from its first line.
fn csv_header(path: &Path) -> Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(std::io::BufReader::new(file));
    let header = reader.headers().map_err(|e| InputError::new(path, format!("unreadable CSV header: {e}")).line(1))?;
    Ok(header.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect())
}

/// How a record column is read. Months and dates are not supported here: record data keeps
/// them as integer columns (`year`, `month`), which the derived numbers group by.
fn dtype(kind: ColumnType) -> Option<DataType> {
    match kind {
        ColumnType::Integer => Some(DataType::Int64),
        ColumnType::Number => Some(DataType::Float64),
        ColumnType::String => Some(DataType::String),
        ColumnType::Month | ColumnType::Date => None,
    }
}

/// Synthetic record data for benchmarks and tests, **not real**: an invented enterprise
/// register with a deterministic pseudo-random mix of provinces, fields and founding years.
/// It is written where the caller says (a temporary directory), with a YAML whose
/// provenance says `synthetic`; nothing here writes into `data/`.
pub mod synthetic {
    use std::io::Write as _;
    use std::path::Path;

    use polars::prelude::*;

    use super::Format;
    use crate::error::{Error, Result};

    pub const PROVINCES: [&str; 31] = [
        "广东",
        "北京",
        "上海",
        "浙江",
        "江苏",
        "山东",
        "福建",
        "四川",
        "湖北",
        "湖南",
        "河南",
        "安徽",
        "重庆",
        "天津",
        "陕西",
        "河北",
        "江西",
        "辽宁",
        "云南",
        "广西",
        "贵州",
        "山西",
        "吉林",
        "黑龙江",
        "内蒙古",
        "新疆",
        "甘肃",
        "海南",
        "宁夏",
        "青海",
        "西藏",
    ];
    pub const FIELDS: [&str; 8] = ["金融", "政务", "供应链", "司法", "医疗", "能源", "文旅", "其他"];

    /// A small deterministic generator (SplitMix64), so the same rows come out every time.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        /// Skewed towards the first items, as real registers are.
        fn skewed(&mut self, n: usize) -> usize {
            let a = (self.next() % n as u64) as usize;
            let b = (self.next() % n as u64) as usize;
            a.min(b)
        }
    }

    /// One synthetic row: id, province, field, founding year (2014–2023, more each year),
    /// registered capital in 万元.
    struct Row {
        id: i64,
        province: &'static str,
        field: &'static str,
        year: i64,
        capital: f64,
    }

    fn rows(n: usize) -> impl Iterator<Item = Row> {
        let mut rng = Rng(2023);
        (0..n).map(move |i| {
            let year = 2023 - rng.skewed(10) as i64;
            let capital = (rng.next() % 1_000_000) as f64 / 100.0;
            Row { id: i as i64 + 1, province: PROVINCES[rng.skewed(31)], field: FIELDS[rng.skewed(8)], year, capital }
        })
    }

    /// Derived numbers over a synthetic register `reg`, in the vocabulary of
    /// `data/derived/*.yaml`: a count by province, a share, growth by year, a rank, a sum.
    pub const FORMULAS: &str = r#"# SYNTHETIC: derived numbers over the invented register `reg`.
reg_total:
  formula: count(reg)
  unit: 家
reg_guangdong:
  formula: count(reg, province = "广东")
  unit: 家
reg_guangdong_share:
  formula: share(reg_guangdong, reg_total)
  unit: "%"
reg_2023:
  formula: count(reg, year = 2023)
  unit: 家
reg_2022:
  formula: count(reg, year = 2022)
  unit: 家
reg_growth_2023:
  formula: growth(reg_2023, reg_2022)
  unit: "%"
reg_finance_rank:
  formula: rank(reg, field, "金融")
  unit: 位
reg_capital_guangdong:
  formula: sum(reg, capital, province = "广东")
  unit: 万元
reg_fields:
  formula: distinct(reg, field)
  unit: 种
"#;

    /// Adds the synthetic register `reg` (`rows` rows, in `data_dir/records/`) and the
    /// derived numbers [`FORMULAS`] over it (`data_dir/derived/synthetic-records.yaml`) to a
    /// scratch project's data directory.
    pub fn add_to_project(data_dir: &Path, rows: usize, format: Format) -> Result<()> {
        write(&data_dir.join("records"), "reg", rows, format)?;
        let derived = data_dir.join("derived/synthetic-records.yaml");
        std::fs::write(&derived, FORMULAS).map_err(|source| Error::Io { path: derived, source })
    }

    pub const COLUMNS_YAML: &str = "columns:
- {name: id, title: 编号, type: integer}
- {name: province, title: 省份, type: string}
- {name: field, title: 应用领域, type: string}
- {name: year, title: 成立年份, type: integer}
- {name: capital, title: 注册资本, type: number, unit: 万元}
";

    /// Writes `<dir>/<id>.yaml` and its data file with `rows` synthetic rows.
    pub fn write(dir: &Path, id: &str, rows_wanted: usize, format: Format) -> Result<()> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let ext = match format {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        };
        let file = dir.join(format!("{id}.{ext}"));
        let yaml = format!(
            "# SYNTHETIC DATA for benchmarks and tests: invented rows, not a real register.\n\
             id: {id}\ntitle: 合成企业名录（测试数据，非真实）\nformat: {ext}\npath: {id}.{ext}\n{COLUMNS_YAML}\
             provenance:\n  kind: synthetic\n  where: generated by blockchain_report::data::records::synthetic ({rows_wanted} rows)\n"
        );
        std::fs::write(dir.join(format!("{id}.yaml")), yaml).map_err(io(dir))?;
        let out = std::fs::File::create(&file).map_err(io(&file))?;
        match format {
            Format::Csv => {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
                let mut write = || -> std::io::Result<()> {
                    writeln!(w, "id,province,field,year,capital")?;
                    for r in rows(rows_wanted) {
                        writeln!(w, "{},{},{},{},{:.2}", r.id, r.province, r.field, r.year, r.capital)?;
                    }
                    w.flush()
                };
                write().map_err(io(&file))?;
            }
            Format::Parquet => {
                let polars = |e: PolarsError| Error::Io { path: file.clone(), source: std::io::Error::other(e.to_string()) };
                let schema = Schema::from_iter([
                    Field::new("id".into(), DataType::Int64),
                    Field::new("province".into(), DataType::String),
                    Field::new("field".into(), DataType::String),
                    Field::new("year".into(), DataType::Int64),
                    Field::new("capital".into(), DataType::Float64),
                ]);
                let mut writer = ParquetWriter::new(out).batched(&schema).map_err(polars)?;
                let mut all = rows(rows_wanted).peekable();
                while all.peek().is_some() {
                    let chunk: Vec<Row> = all.by_ref().take(1 << 20).collect();
                    let df = DataFrame::new(
                        chunk.len(),
                        vec![
                            Column::new("id".into(), chunk.iter().map(|r| r.id).collect::<Vec<_>>()),
                            Column::new("province".into(), chunk.iter().map(|r| r.province).collect::<Vec<_>>()),
                            Column::new("field".into(), chunk.iter().map(|r| r.field).collect::<Vec<_>>()),
                            Column::new("year".into(), chunk.iter().map(|r| r.year).collect::<Vec<_>>()),
                            Column::new("capital".into(), chunk.iter().map(|r| r.capital).collect::<Vec<_>>()),
                        ],
                    )
                    .map_err(polars)?;
                    writer.write_batch(&df).map_err(polars)?;
                }
                writer.finish().map_err(polars)?;
            }
        }
        Ok(())
    }
}
