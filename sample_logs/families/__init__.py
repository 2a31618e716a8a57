"""Generated UI-log families: seeded, unsegmented logs with ground truth, for measuring
whether mining generalises rather than fits the logs it was tuned on.

Five families, each a function that draws a *routine design* from a seed (apps, names,
fields, order, optional parts, copied or typed values): ``excel_to_web``, ``web_form``,
``form_to_spreadsheet``, ``email_to_erp`` and ``clickstream`` (SAP Fiori-like, no window
titles). Logs come in Action Logger or SmartRPA columns, single-routine (one person, 30-100
instances) or multi-routine (3-4 families, 100-250 instances, one or two people), with
human timing, typos, optional and repeated fields, noise and interruptions in some.

>>> from sample_logs.families import single_routine_log, multi_routine_log, write_uilog
>>> log = single_routine_log("excel_to_web", seed=3)
>>> write_uilog(log, "out")   # out/logs/excel_to_web-single-3.csv, out/truth/... (Task, idx)

Three *blind* families (``request_wizard``, ``sheet_to_portal``, ``fiori_inbox``,
`blind`), designed apart from the five so as not to share their blind spots, with their
own multi-routine logs (``blind_multi_log``); see `blind`.

Seeds 0-99 are for development; the benchmark keeps seeds from 1000 on as its held-out check.
"""

from sample_logs.families.blind import (
    BLIND_FAMILIES,
    blind_fiori_log,
    blind_multi_log,
    blind_single_log,
    draw_blind_routine,
)
from sample_logs.families.generate import (
    FAMILIES,
    UiLog,
    draw_routine,
    multi_routine_log,
    single_routine_log,
    write_uilog,
)

__all__ = [
    "BLIND_FAMILIES",
    "FAMILIES",
    "UiLog",
    "blind_fiori_log",
    "blind_multi_log",
    "blind_single_log",
    "draw_blind_routine",
    "draw_routine",
    "multi_routine_log",
    "single_routine_log",
    "write_uilog",
]
