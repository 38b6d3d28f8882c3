-- The history store, version 1. Portable SQL: the same text runs on SQLite
-- and PostgreSQL. Times are UTC text of fixed width, so they sort as text.
CREATE TABLE benchmarks (
    id             TEXT PRIMARY KEY,  -- from spec name, start time and host: the same live and imported
    spec           TEXT NOT NULL,
    spec_hash      TEXT NOT NULL,     -- sha256 of spec.yaml as the folder keeps it
    title          TEXT NOT NULL,
    started        TEXT NOT NULL,
    finished       TEXT NOT NULL,
    git_commit     TEXT NOT NULL,
    host           TEXT NOT NULL,
    runner_version TEXT NOT NULL,
    kind           TEXT NOT NULL,     -- live | dry-run | replay
    stop_reason    TEXT NOT NULL,
    options        TEXT NOT NULL,     -- JSON of the command-line options
    dir            TEXT NOT NULL,     -- the output folder it was read from
    recorded       TEXT NOT NULL      -- when the store last wrote it
);
CREATE INDEX benchmarks_spec ON benchmarks (spec, started);

CREATE TABLE cells (
    benchmark_id TEXT NOT NULL,
    cell         TEXT NOT NULL,
    provider     TEXT NOT NULL,
    model        TEXT NOT NULL,
    matrix       TEXT NOT NULL,       -- JSON
    runs         INTEGER NOT NULL,    -- measured runs that finished ok
    failures     INTEGER NOT NULL,
    rating       TEXT NOT NULL,
    PRIMARY KEY (benchmark_id, cell)
);

CREATE TABLE runs (
    benchmark_id        TEXT NOT NULL,
    cell                TEXT NOT NULL,
    run                 INTEGER NOT NULL,
    status              TEXT NOT NULL,
    started             TEXT NOT NULL,
    wall_s              DOUBLE PRECISION NOT NULL,
    cpu_s               DOUBLE PRECISION NOT NULL,
    peak_rss_mb         DOUBLE PRECISION NOT NULL,
    input_tokens        BIGINT NOT NULL,
    output_tokens       BIGINT NOT NULL,
    cached_input_tokens BIGINT NOT NULL,
    cost_usd            DOUBLE PRECISION,  -- NULL: unpriced or unmetered
    PRIMARY KEY (benchmark_id, cell, run)
);

-- Every metric rules name (total.time, cost, phase("X").tokens, ...), one
-- row per successful run: a trend of any metric is one indexed query.
CREATE TABLE run_values (
    benchmark_id TEXT NOT NULL,
    cell         TEXT NOT NULL,
    run          INTEGER NOT NULL,
    metric       TEXT NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (benchmark_id, cell, run, metric)
);
CREATE INDEX run_values_cell ON run_values (cell, metric, benchmark_id);

-- Tokens by model per run: re-pricing a past run at other prices.
CREATE TABLE run_tokens (
    benchmark_id        TEXT NOT NULL,
    cell                TEXT NOT NULL,
    run                 INTEGER NOT NULL,
    model               TEXT NOT NULL,
    input_tokens        BIGINT NOT NULL,
    output_tokens       BIGINT NOT NULL,
    cached_input_tokens BIGINT NOT NULL,
    cache_write_tokens  BIGINT NOT NULL,
    PRIMARY KEY (benchmark_id, cell, run, model)
);

-- LLM calls the metering proxy saw, added up per cell and model.
CREATE TABLE calls (
    benchmark_id  TEXT NOT NULL,
    cell          TEXT NOT NULL,
    model         TEXT NOT NULL,
    calls         INTEGER NOT NULL,
    errors        INTEGER NOT NULL,
    latency_s     DOUBLE PRECISION NOT NULL,  -- summed
    input_tokens  BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    PRIMARY KEY (benchmark_id, cell, model)
);

-- Each distinct price card, with the start of the first benchmark that used it.
CREATE TABLE price_cards (
    card         TEXT PRIMARY KEY,    -- sha256 of the fields below
    pattern      TEXT NOT NULL,       -- the pricing key (model or glob)
    input        DOUBLE PRECISION NOT NULL,
    output       DOUBLE PRECISION NOT NULL,
    cached_input DOUBLE PRECISION,
    cache_write  DOUBLE PRECISION,
    source       TEXT NOT NULL,
    first_seen   TEXT NOT NULL
);

-- The card that priced each model of a benchmark: the prices then in force.
CREATE TABLE benchmark_prices (
    benchmark_id TEXT NOT NULL,
    model        TEXT NOT NULL,
    card         TEXT NOT NULL,
    PRIMARY KEY (benchmark_id, model)
);
