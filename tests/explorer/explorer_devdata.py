"""A small hand-built database with plausible mining results, for fast query tests.

Browser tests use a simulated, really mined database (see conftest); this one is for the
unit tests of queries, decisions and exports, where knowing every number matters more
than realism: three routines with known instances, scores and steps.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
from PIL import Image

from storage.store import open_store

#: name, signature, score, confidence, steps as (kind, app, target, varies)
ROUTINES = [
    (
        "Enter invoice",
        "sig-invoice",
        0.91,
        0.9,
        [
            ("focus", "Outlook", "Inbox", False),
            ("copy", "Outlook", "Invoice number", True),
            ("focus", "SAP", "FB60", False),
            ("paste", "SAP", "Reference", True),
            ("type", "SAP", "Amount", True),
            ("click", "SAP", "Save", False),
        ],
    ),
    (
        "Look up customer",
        "sig-lookup",
        0.55,
        0.8,
        [
            ("focus", "CRM", "Search", False),
            ("type", "CRM", "Search box", True),
            ("click", "CRM", "First result", False),
            ("copy", "CRM", "E-mail", True),
        ],
    ),
    (
        "Export report",
        "sig-report",
        0.40,
        0.3,
        [
            ("focus", "Excel", "Report.xlsx", False),
            ("hotkey", "Excel", "ctrl+s", False),
            ("click", "Excel", "Export", False),
        ],
    ),
]
USERS = ("u1", "u2", "u3")
DAYS = 2
PER_DAY = 3  # instances of each routine per user per day
START = datetime(2026, 11, 16, 9, 0)  # a Monday
COLOURS = {
    "Outlook": (0, 114, 198),
    "SAP": (240, 171, 0),
    "CRM": (0, 150, 80),
    "Excel": (33, 115, 70),
}


def _image(app: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), COLOURS[app]).save(buffer, format="WEBP")
    return buffer.getvalue()


def build_dev_db(path: Path) -> Path:
    """Write recordings and one finished mining run; return ``path``."""
    events, sessions, shots, instances, members = [], [], [], [], []
    event_id = shot_id = instance_id = 0
    for u, user in enumerate(USERS):
        for day in range(DAYS):
            session = f"{user}-d{day}"
            t = START + timedelta(days=day, minutes=7 * u)
            sessions.append(
                {
                    "session_id": session,
                    "user_id": user,
                    "host": "dev",
                    "started_at": t,
                    "ended_at": t + timedelta(hours=8),
                }
            )
            for n in range(PER_DAY):
                for pid, (_, _, _, _, steps) in enumerate(ROUTINES):
                    # the report routine skips its hotkey every other time: two variants
                    skip = pid == 2 and n % 2 == 1
                    instance_id += 1
                    start = t
                    for position, (kind, app, target, varies) in enumerate(steps):
                        if skip and kind == "hotkey":
                            continue
                        event_id += 1
                        shot_id += 1
                        shots.append(
                            {
                                "screenshot_id": shot_id,
                                "session_id": session,
                                "ts": t,
                                "format": "webp",
                                "width": 64,
                                "height": 40,
                                "image": _image(app),
                            }
                        )
                        text = f"{target}-{u}{day}{n}" if varies else None
                        events.append(
                            {
                                "event_id": event_id,
                                "session_id": session,
                                "user_id": user,
                                "ts": t,
                                "kind": kind,
                                "app": app,
                                "window_title": f"{app} - {target}",
                                "element_name": target,
                                "text": text,
                                "screenshot_id": shot_id,
                                "source_file": "dev.csv",
                                "source_row": event_id - 1,
                            }
                        )
                        members.append(
                            {
                                "instance_id": instance_id,
                                "event_id": event_id,
                                "position": position,
                                "action": f"{kind}:{app}:{target}",
                            }
                        )
                        t += timedelta(seconds=5 + position)
                    instances.append(
                        {
                            "instance_id": instance_id,
                            "user_id": user,
                            "session_id": session,
                            "process_id": pid,
                            "start_ts": start,
                            "end_ts": t,
                            "n_events": len(steps) - skip,
                            "duration_s": (t - start).total_seconds(),
                            "membership": 0.9,
                            "variant_id": int(skip),
                        }
                    )
                    t += timedelta(minutes=20)
    with open_store(path) as store:
        store.append_sessions(pl.DataFrame(sessions))
        store.append_screenshots(pl.DataFrame(shots))
        store.append_events(pl.DataFrame(events).drop("event_id"))
        run_id = store.start_run({"dev": True}, "dev", 0)
        store.finish_run(run_id, _results(pl.DataFrame(instances), pl.DataFrame(members)))
    return path


def _results(instances: pl.DataFrame, members: pl.DataFrame) -> dict[str, pl.DataFrame]:
    processes, steps, variants = [], [], []
    for pid, (name, signature, score, confidence, routine) in enumerate(ROUTINES):
        mine = instances.filter(pl.col("process_id") == pid)
        n = mine.height
        processes.append(
            {
                "process_id": pid,
                "signature": signature,
                "name": name,
                "score": score,
                "confidence": confidence,
                "n_instances": n,
                "n_users": len(USERS),
                "per_week": n / DAYS * 5,
                "mean_duration_s": mine["duration_s"].mean(),
                "total_hours": mine["duration_s"].sum() / 3600,
                "hours_saved_per_month": score * 10,
                "n_variants": mine["variant_id"].n_unique(),
                "apps": sorted({s[1] for s in routine}),
                "factors": json.dumps({"frequency": score, "automatability": confidence}),
            }
        )
        for no, (kind, app, target, varies) in enumerate(routine):
            steps.append(
                {
                    "process_id": pid,
                    "step_no": no + 1,
                    "action": f"{kind}:{app}:{target}",
                    "kind": kind,
                    "app": app,
                    "window_template": f"{app} - {target}",
                    "target": target,
                    "support": 0.5 if kind == "hotkey" else 1.0,
                    "optional": kind == "hotkey",
                    "repeated": False,
                    "varies": varies,
                    "input_slot": target.lower().replace(" ", "_") if varies else None,
                    "example_values": json.dumps([f"{target}-000"]) if varies else None,
                    "transfer_from_step": no - 1 if kind == "paste" else None,
                    "screenshot_id": no + 1,
                }
            )
        for vid in sorted(mine["variant_id"].unique().to_list()):
            actions = [f"{k}:{a}:{t}" for k, a, t, _ in routine if not (vid and k == "hotkey")]
            count = mine.filter(pl.col("variant_id") == vid).height
            variants.append(
                {
                    "process_id": pid,
                    "variant_id": vid,
                    "actions": actions,
                    "n_instances": count,
                    "share": count / n,
                    "mean_duration_s": 30.0,
                }
            )
    return {
        "instances": instances.with_columns(pl.col("process_id").cast(pl.Int32)),
        "instance_events": members,
        "processes": pl.DataFrame(processes),
        "process_steps": pl.DataFrame(steps),
        "variants": pl.DataFrame(variants),
    }
