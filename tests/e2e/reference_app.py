"""A small Tk reference viewer, the source window of the end-to-end copy/paste routine.

It shows one reference number (a read-only entry named "Reference", to select and copy)
above a long scrollable text ("Notes"). It watches the orders form's saved file: each time
the form saves a row, the viewer logs the reference it showed and how far Notes was
scrolled, then shows the next reference and scrolls Notes back to the top. So a test
knows which reference each saved row should hold and whether the routine scrolled.

Run as ``python reference_app.py --title T --references REFS.json --watch SAVED.jsonl
--log LOG.jsonl --layout LAYOUT.json [--geometry WxH+X+Y]``.
"""

from __future__ import annotations

import argparse
import json
import tkinter as tk
from pathlib import Path

from Xlib import display

NOTES = "\n".join(
    f"Line {n}: delivery terms, contacts and remarks for this order." for n in range(80)
)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--title", "--references", "--watch", "--log", "--layout"):
        parser.add_argument(name, required=True)
    parser.add_argument("--geometry", default="360x260+40+330")
    args = parser.parse_args()
    references = json.loads(Path(args.references).read_text())
    watch, log = Path(args.watch), Path(args.log)

    root = tk.Tk(className="RefViewer")
    root.title(args.title)
    root.geometry(args.geometry)
    shown = tk.StringVar(value=references[0])
    reference = tk.Entry(root, textvariable=shown, state="readonly", insertofftime=0)
    reference.pack(padx=8, pady=8, fill="x")
    notes = tk.Text(root, height=10, wrap="none", insertofftime=0)
    notes.insert("1.0", NOTES)
    notes.configure(state="disabled")
    notes.pack(padx=8, pady=8, fill="both", expand=True)
    state = {"index": 0, "seen": 0}

    def follow_saves() -> None:
        count = len(watch.read_text().splitlines()) if watch.exists() else 0
        for _ in range(max(0, count - state["seen"])):
            entry = {"reference": shown.get(), "notes_top": notes.yview()[0]}
            with log.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry) + "\n")
            state["index"] += 1
            shown.set(references[state["index"] % len(references)])
            notes.yview_moveto(0)
        state["seen"] = count
        root.after(150, follow_saves)

    def publish() -> None:
        root.update_idletasks()
        x_display = display.Display()
        widgets = {"Reference": reference, "Notes": notes}
        for name, widget in widgets.items():
            x_display.create_resource_object("window", widget.winfo_id()).set_wm_name(name)
        x_display.flush()
        layout = {
            name: [w.winfo_rootx() + w.winfo_width() // 2, w.winfo_rooty() + w.winfo_height() // 2]
            for name, w in widgets.items()
        }
        Path(args.layout).write_text(json.dumps(layout), encoding="utf-8")

    root.after(300, publish)
    root.after(300, follow_saves)
    root.mainloop()


if __name__ == "__main__":
    main()
