"""DuckDB schema of a taskmine database, as numbered migrations.

A database records the version it is at in ``schema_version``. Opening a database runs
every migration above that version, each in its own transaction, so an older file
upgrades in place and a half-applied upgrade never exists. Add a migration by appending
to `MIGRATIONS`; never edit one that has shipped.

Timestamps are ``TIMESTAMP`` holding UTC with microsecond precision.
"""

from __future__ import annotations

RECORDING_TABLES = """
CREATE TABLE sessions (
    session_id       VARCHAR PRIMARY KEY,
    user_id          VARCHAR NOT NULL,
    host             VARCHAR,
    os               VARCHAR,
    screen_width     INTEGER,
    screen_height    INTEGER,
    recorder_version VARCHAR,
    started_at       TIMESTAMP,
    ended_at         TIMESTAMP,
    dropped_events   BIGINT DEFAULT 0
);

CREATE TABLE events (
    event_id       BIGINT NOT NULL,
    session_id     VARCHAR,
    user_id        VARCHAR NOT NULL,
    ts             TIMESTAMP NOT NULL,
    kind           VARCHAR NOT NULL,
    app            VARCHAR,
    window_title   VARCHAR,
    url            VARCHAR,
    element_id     VARCHAR,
    element_name   VARCHAR,
    element_role   VARCHAR,
    element_label  VARCHAR,
    x              INTEGER,
    y              INTEGER,
    text           VARCHAR,
    screenshot_id  BIGINT,
    source_file    VARCHAR,
    source_row     BIGINT,
    attrs          JSON,
    truth_process  VARCHAR,
    truth_instance VARCHAR
);

CREATE TABLE screenshots (
    screenshot_id BIGINT PRIMARY KEY,
    session_id    VARCHAR,
    ts            TIMESTAMP NOT NULL,
    format        VARCHAR NOT NULL,
    width         INTEGER,
    height        INTEGER,
    size_bytes    BIGINT,
    phash         BIGINT,
    image         BLOB NOT NULL
);

-- One row per imported file, so importing the same content twice adds nothing.
CREATE TABLE imports (
    sha256      VARCHAR PRIMARY KEY,
    source_file VARCHAR NOT NULL,
    format      VARCHAR NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    n_events    BIGINT NOT NULL
);
"""

MINING_TABLES = """
CREATE TABLE mining_runs (
    run_id       INTEGER PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,          -- running | done | failed
    config       JSON NOT NULL,
    code_version VARCHAR NOT NULL,
    seed         BIGINT NOT NULL,
    n_events     BIGINT,
    n_instances  BIGINT,
    n_processes  BIGINT
);

-- A task instance: one contiguous stretch of one user's work (a segment).
CREATE TABLE instances (
    run_id      INTEGER NOT NULL,
    instance_id BIGINT NOT NULL,
    user_id     VARCHAR NOT NULL,
    session_id  VARCHAR,
    process_id  INTEGER NOT NULL,           -- -1: in no candidate process
    start_ts    TIMESTAMP NOT NULL,
    end_ts      TIMESTAMP NOT NULL,
    n_events    INTEGER NOT NULL,
    duration_s  DOUBLE NOT NULL,
    membership  DOUBLE,                     -- hdbscan membership probability
    variant_id  INTEGER
);

CREATE TABLE instance_events (
    run_id      INTEGER NOT NULL,
    instance_id BIGINT NOT NULL,
    event_id    BIGINT NOT NULL,
    position    INTEGER NOT NULL,
    action      VARCHAR NOT NULL            -- the generalised action label
);

-- A candidate process with its score; `factors` holds every scoring factor by name.
CREATE TABLE processes (
    run_id                INTEGER NOT NULL,
    process_id            INTEGER NOT NULL,
    signature             VARCHAR NOT NULL, -- stable across runs: analyst decisions key on it
    name                  VARCHAR NOT NULL,
    score                 DOUBLE NOT NULL,
    confidence            DOUBLE NOT NULL,
    n_instances           INTEGER NOT NULL,
    n_users               INTEGER NOT NULL,
    per_week              DOUBLE,
    mean_duration_s       DOUBLE,
    total_hours           DOUBLE,
    hours_saved_per_month DOUBLE,
    n_variants            INTEGER,
    apps                  VARCHAR[],
    factors               JSON,
    fitness               DOUBLE,
    precision             DOUBLE,
    bpmn_xml              VARCHAR,
    dfg                   JSON
);

-- The consensus workflow of a process, one row per aligned step.
CREATE TABLE process_steps (
    run_id             INTEGER NOT NULL,
    process_id         INTEGER NOT NULL,
    step_no            INTEGER NOT NULL,
    action             VARCHAR NOT NULL,
    kind               VARCHAR,
    app                VARCHAR,
    window_template    VARCHAR,
    target             VARCHAR,
    support            DOUBLE NOT NULL,     -- share of instances that have the step
    optional           BOOLEAN NOT NULL,
    repeated           BOOLEAN NOT NULL,
    varies             BOOLEAN NOT NULL,    -- the value differs between instances: an input
    input_slot         VARCHAR,
    example_values     JSON,
    transfer_from_step INTEGER,             -- a paste whose value was copied at that step
    screenshot_id      BIGINT,
    attrs              JSON
);

CREATE TABLE variants (
    run_id          INTEGER NOT NULL,
    process_id      INTEGER NOT NULL,
    variant_id      INTEGER NOT NULL,
    actions         VARCHAR[] NOT NULL,
    n_instances     INTEGER NOT NULL,
    share           DOUBLE NOT NULL,
    mean_duration_s DOUBLE
);

-- Analyst decisions in the explorer; keyed on process signatures so they survive re-mining.
CREATE TABLE process_decisions (
    decision_id BIGINT PRIMARY KEY,
    created_at  TIMESTAMP NOT NULL,
    action      VARCHAR NOT NULL,          -- rename | merge | split | not_process
    signature   VARCHAR NOT NULL,
    other       VARCHAR,                   -- merge: the signature merged into this one
    value       VARCHAR                    -- rename: the new name
);
"""

SCREENSHOT_TILES = """
-- A screenshot with a base is a change: its image is only the rectangle that changed
-- since its base (the previous screenshot stored), to paste at (tile_x, tile_y) onto the
-- base's full frame; width and height stay the full frame's. A recorder then encodes a
-- small rectangle instead of the whole screen; storage.screenshots rebuilds full frames.
ALTER TABLE screenshots ADD COLUMN base_id BIGINT;
ALTER TABLE screenshots ADD COLUMN tile_x INTEGER;
ALTER TABLE screenshots ADD COLUMN tile_y INTEGER;
"""

#: (version, description, DDL). Version N brings a database from N-1 to N.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "recording tables: sessions, events, screenshots, imports", RECORDING_TABLES),
    (2, "mining results and analyst decisions", MINING_TABLES),
    (3, "screenshots that store only what changed since a base screenshot", SCREENSHOT_TILES),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
