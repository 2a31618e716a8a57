"""The fleet collector: an HTTP service recorders ship Parquet to, and its landing area.

Layout of a collector's data folder ``DIR`` (a contract: ``taskmine import DIR`` and the
Ray engine read it; README.md, "Running a collector")::

    DIR/events/user=<U>/day=<YYYY-MM-DD>/<sha256>.parquet       events, interchange schema
    DIR/sessions/user=<U>/day=<YYYY-MM-DD>/<sha256>.parquet     their sessions (sidecar)
    DIR/screenshots/user=<U>/day=<YYYY-MM-DD>/<sha256>.parquet  their screenshots (sidecar)
    DIR/collector.sqlite    device tokens (hashed) and the ledger of landed uploads
    DIR/partial/            uploads in progress (resumable), DIR/received/ sidecars waiting
                            (both removed when untouched for ``abandoned_after_days``)

Each events file holds exactly the columns of `storage.models.EVENT_SCHEMA` in its types,
the rows of one user on one UTC day from one upload, named by the SHA-256 of the upload.
``<U>`` is the user id percent-encoded (RFC 3986; ``.`` too), which DuckDB's
``hive_partitioning`` decodes back: ``read_parquet('DIR/events/**/*.parquet',
hive_partitioning = true)`` gives every event once, with ``user`` and ``day`` columns.
Files appear atomically (written beside, then renamed), sidecars before their events.

Modules: `layout` (paths), `batches` (checking and landing a Parquet upload), `ledger`
(tokens and landed uploads), `uploads` (resumable content-addressed uploads), `service`
(the FastAPI app, needs the ``collector`` extra), `status`.
"""
