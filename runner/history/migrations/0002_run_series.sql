-- Version 2: a cell's values of one metric in one benchmark are one row,
-- not one row per run (a 500-run benchmark wrote 7,000 rows, 1.4 MB, and
-- the report read them back for every later benchmark). runs are the
-- successful runs with a value, in order, as a JSON array of ranges
-- ([[1,500]]: runs 1 to 500); vals their values, a JSON array. The rows
-- of run_values are moved here in Go (the aggregate that builds an array
-- differs between the two databases), then 0003 drops run_values.
CREATE TABLE run_series (
    benchmark_id TEXT NOT NULL,
    cell         TEXT NOT NULL,
    metric       TEXT NOT NULL,
    runs         TEXT NOT NULL,
    vals         TEXT NOT NULL,
    PRIMARY KEY (benchmark_id, cell, metric)
);
CREATE INDEX run_series_cell ON run_series (cell, metric, benchmark_id);
