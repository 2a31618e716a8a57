"""A small Tk form used as the recorder's test subject: Customer, Amount, password, Save.

Run as ``python form_app.py --title T --out SAVED.jsonl --layout LAYOUT.json``. It writes
the screen centre of every widget to the layout file once it is mapped (so a test knows
where to click), names each entry's X window after its field (the element name the X11
backend reads; real toolkits expose it through accessibility), and appends the values to
the output file on Save.
"""

from __future__ import annotations

import argparse
import json
import tkinter as tk
from pathlib import Path

from Xlib import display

FIELDS = ("Customer", "Amount", "password")
#: Words the form shows with ``--words``: the overhead benchmark reads them back from the
#: stored screenshots by OCR, to check that the screenshot encoding keeps text legible.
WORDS = [
    "invoice",
    "order",
    "customer",
    "amount",
    "balance",
    "shipping",
    "address",
    "payment",
    "account",
    "ledger",
    "supplier",
    "receipt",
    "delivery",
    "contract",
    "approval",
    "purchase",
    "quantity",
    "discount",
    "refund",
    "warehouse",
    "schedule",
    "summary",
    "category",
    "reference",
    "statement",
    "transfer",
    "currency",
    "department",
    "manager",
    "employee",
    "expense",
    "journal",
    "quarter",
    "revenue",
    "report",
    "pending",
    "archive",
    "service",
    "product",
    "vendor",
    "billing",
    "history",
    "status",
    "message",
    "export",
    "import",
]
WORDS_PER_LINE = 4


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--title", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--layout", required=True, type=Path)
    parser.add_argument("--geometry", default="360x220+40+40")
    parser.add_argument("--words", action="store_true", help="also show the WORDS below")
    args = parser.parse_args()

    root = tk.Tk(className="FormApp")
    root.title(args.title)
    root.geometry(args.geometry)
    entries: dict[str, tk.Entry] = {}
    for row, name in enumerate(FIELDS):
        tk.Label(root, text=name).grid(row=row, column=0, padx=8, pady=8, sticky="w")
        # No blinking cursor: the screen changes only when the test acts on it.
        entry = tk.Entry(root, show="*" if name == "password" else "", insertofftime=0)
        entry.grid(row=row, column=1, padx=8, pady=8)
        entries[name] = entry

    def save() -> None:
        values = {name: entry.get() for name, entry in entries.items()}
        with args.out.open("a", encoding="utf-8") as out:
            out.write(json.dumps(values) + "\n")
        for entry in entries.values():
            entry.delete(0, tk.END)

    button = tk.Button(root, text="Save", command=save)
    button.grid(row=len(FIELDS), column=1, pady=8)
    if args.words:
        lines = [WORDS[i : i + WORDS_PER_LINE] for i in range(0, len(WORDS), WORDS_PER_LINE)]
        text = "\n".join(" ".join(line) for line in lines)
        tk.Label(root, text=text, justify="left").grid(
            row=len(FIELDS) + 1, column=0, columnspan=2, padx=8, pady=8, sticky="w"
        )
    root.bind("<Control-s>", lambda _event: save())

    def publish() -> None:
        root.update_idletasks()
        x_display = display.Display()
        widgets = {**entries, "Save": button}
        for name, entry in entries.items():
            x_display.create_resource_object("window", entry.winfo_id()).set_wm_name(name)
        x_display.flush()
        layout = {
            name: [w.winfo_rootx() + w.winfo_width() // 2, w.winfo_rooty() + w.winfo_height() // 2]
            for name, w in widgets.items()
        }
        layout["window_id"] = root.wm_frame()
        args.layout.write_text(json.dumps(layout), encoding="utf-8")

    root.after(300, publish)
    root.mainloop()


if __name__ == "__main__":
    main()
