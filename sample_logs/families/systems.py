"""Two families on enterprise systems: an e-mail's values keyed into an ERP screen, and
SAP Fiori-like click streams recorded without window titles.

The ERP is SAP GUI for HTML in the browser (what a browser extension can record): screen
fields have SAP's technical names (``RBKP-XBLNR``) and generated element ids
(``M0:46:::2:17``). The Fiori family's targets are only coordinates, CSS selectors with
UI5's generated ids (``#__xmlview3--saveBtn-inner``, ``__button17``) that shift when a view
is rebuilt, or XPaths with indices; the same element is clicked a few pixels apart each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from sample_logs import fakes
from sample_logs.families import events as ui
from sample_logs.families.routine import Habits, Step

MAIL = "https://outlook.office.com/mail"
ERP = "https://erp.example.com/sap/bc/gui/sap/its/webgui"
ERP_THEMES = {
    "purchase order": ("ME21N", "Order {no} confirmation", [
        ("Vendor", "EKKO-LIFNR", "vendor"), ("Material", "EKPO-EMATN", "material"),
        ("Quantity", "EKPO-MENGE", "quantity"), ("Net price", "EKPO-NETPR", "amount"),
        ("Delivery date", "EKET-EEIND", "date")]),
    "vendor invoice": ("MIRO", "Invoice {no}", [
        ("Invoice date", "INVFO-BLDAT", "date"), ("Reference", "INVFO-XBLNR", "no"),
        ("Amount", "INVFO-WRBTR", "amount"), ("Vendor", "INVFO-LIFNR", "vendor"),
        ("Text", "INVFO-SGTXT", "text")]),
    "sales order": ("VA01", "PO {no} from {company}", [
        ("Sold-to party", "KUAGV-KUNNR", "vendor"), ("Cust. reference", "VBKD-BSTKD", "no"),
        ("Material", "RV45A-MABNR", "material"), ("Order quantity", "RV45A-KWMENG", "quantity"),
        ("Req. deliv. date", "RV45A-KETDAT", "date")]),
}  # fmt: skip


@dataclass(frozen=True)
class EmailToErp:
    """Open an e-mail about a document, copy its values into an ERP screen, save, maybe reply."""

    name: str
    tcode: str
    subject: str
    fields: list[tuple[str, str, str]]  # (label, technical name, kind of value)
    copied: float  # chance a value is copied from the mail rather than typed
    reply: float
    open_attachment: float
    habits: Habits
    family: str = "email_to_erp"

    def setup(self) -> Step:
        return [ui.navigate(f"{MAIL}/inbox"), ui.navigate(f"{ERP}?sap-client=100")]

    def perform(self, rng: Random, n: int) -> list[Step]:
        values = _document(rng)
        subject = self.subject.format(**values)
        message = f"{MAIL}/inbox/id/AAQkAD{rng.randrange(10**9):09d}"
        steps = [[ui.navigate(f"{MAIL}/inbox"), ui.link(f"{MAIL}/inbox", subject, message)]]
        if rng.random() < self.open_attachment:
            steps.append([ui.link(message, f"{values['no']}.pdf", f"{message}/attachment")])
        screen = f"{ERP}?~transaction={self.tcode}"
        okcode = ui.WebField("ToolbarOkCode", "Command field", "ToolbarOkCode")
        steps.append(ui.type_into(rng, ERP, okcode, f"/n{self.tcode}", 0.0))
        for i, (label, technical, kind) in enumerate(self.habits.reorder(rng, self.fields)):
            field = ui.WebField(
                technical, label, f"M0:46:::{i + 2}:{17 + 3 * i}", element_class="lsField__input"
            )
            value = values[kind]
            if kind != "text" and rng.random() < self.copied:
                steps.append([ui.copy_text(message, value), *ui.paste_into(screen, field, value)])
            else:
                steps.append(ui.type_into(rng, screen, field, value, self.habits.typo_rate))
        steps.append(ui.button(screen, "Save", "M0:50::btn[11]"))
        if rng.random() < self.reply:
            body = ui.WebField("body", "Message body", "editorParent_1", tag="DIV", input_type="")
            text = f"Posted under {fakes.digits(rng, 10)}. Regards"
            steps.append(
                [
                    *ui.button(message, "Reply", "reply-button"),
                    *ui.type_into(rng, message, body, text, 0.0),
                    *ui.button(message, "Send", "send-button"),
                ]
            )
        return steps


def _document(rng: Random) -> dict[str, str]:
    return {
        "no": f"45{fakes.digits(rng, 8)}",
        "company": fakes.company(rng).split()[0],
        "vendor": str(rng.randrange(100000, 109999)),
        "material": f"MAT-{rng.randrange(1000, 1999)}",
        "quantity": str(rng.randrange(1, 200)),
        "amount": fakes.amount(rng, 900),
        "date": f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.2026",
        "text": rng.choice(("Freight incl.", "Partial delivery", "As quoted", "")),
    }


def draw_email_to_erp(rng: Random) -> EmailToErp:
    theme = rng.choice(sorted(ERP_THEMES))
    tcode, subject, fields = ERP_THEMES[theme]
    chosen = [f for f in fields if rng.random() < 0.85] or fields[:2]
    return EmailToErp(
        name=f"email_to_erp: {theme} ({tcode})",
        tcode=tcode,
        subject=subject,
        fields=chosen,
        copied=rng.choice((0.3, 0.7, 1.0)),
        reply=rng.choice((0.0, 0.3, 0.8)),
        open_attachment=rng.choice((0.0, 0.5)),
        habits=Habits.draw(rng),
    )


FIORI_APPS = {
    "approve purchase requisitions": ["table-row", "approve", "comment", "submit"],
    "manage purchase orders": ["filter", "go", "table-row", "edit", "quantity", "date", "save"],
    "create sales order": [
        "create", "customer", "value-help", "table-row", "material", "quantity", "save",
    ],
    "post goods receipt": ["order", "go", "table-row", "checkbox", "post"],
}  # fmt: skip
TYPED = {"comment", "quantity", "date", "customer", "material", "filter", "order"}


@dataclass(frozen=True)
class Target:
    """One on-screen element: where it is and how each encoding names it."""

    key: str
    x: int
    y: int
    control: str  # UI5 control id part, e.g. saveBtn
    row: int = 0  # a table row's index


@dataclass(frozen=True)
class Clickstream:
    """A Fiori app reached from a launchpad tile: clicks, typed values, table rows, save."""

    name: str
    tile: Target
    targets: list[Target]
    encoding: str  # xy, css or xpath
    url: str  # the launchpad URL, or "" where the recording has none
    view_shift: float  # chance UI5 rebuilds the view, renumbering its generated ids
    optional: dict[str, float]  # target key → chance an instance skips it
    habits: Habits
    family: str = "clickstream"

    def setup(self) -> Step:
        home = Target("home", 40, 30, "shell-header-logo")
        return [self._click(Random(0), home, 3, "button")]

    def perform(self, rng: Random, n: int) -> list[Step]:
        view = 3 + sum(rng.random() < self.view_shift for _ in range(3))
        steps = [[self._click(rng, self.tile, view, "tile")]]
        for target in self.targets:
            if rng.random() < self.optional.get(target.key, 0.0):
                continue
            if target.key in TYPED:
                value = _fiori_value(rng, target.key)
                steps.append(
                    [self._click(rng, target, view, "input"), self._type(target, view, value)]
                )
            elif target.key == "table-row":
                row = rng.randrange(8)
                row_target = Target(
                    target.key, target.x, target.y + 32 * row, f"{target.control}-{row}", row
                )
                steps.append([self._click(rng, row_target, view, "row")])
            else:
                steps.append([self._click(rng, target, view, "button")])
        return steps

    def _click(self, rng: Random, target: Target, view: int, role: str) -> ui.UiEvent:
        jitter = (rng.randint(-4, 4), rng.randint(-3, 3))
        where = self._where(target, view, role)
        kind = {"input": "clickTextField", "row": "clickLink"}.get(role, "clickButton")
        return ui.UiEvent(
            "Chrome",
            kind,
            "click",
            url=self.url,
            x=target.x + jitter[0],
            y=target.y + jitter[1],
            **where,
        )

    def _type(self, target: Target, view: int, value: str) -> ui.UiEvent:
        where = self._where(target, view, "input")
        return ui.UiEvent("Chrome", "changeField", "type", url=self.url, value=value, **where)

    def _where(self, target: Target, view: int, role: str) -> dict[str, str]:
        if self.encoding == "xy":
            return {}
        if self.encoding == "xpath":
            depth = 3 + hash_index(target.control) % 4
            path = "/html/body/div[2]/div/div[3]" + "".join(
                f"/div[{1 + (ord(c) % 5)}]" for c in target.control[:depth]
            )
            leaf = {"input": "/input[1]", "row": f"/table[1]/tbody[1]/tr[{target.row + 1}]/td[2]"}
            leaf_path = leaf.get(role, "/span[1]/bdi[1]")
            return {"xpath": path + leaf_path}
        if role == "tile":  # the launchpad's, outside any view
            return {"element_id": target.control, "element_class": "sapMGT", "tag": "DIV"}
        inner = "-inner" if role in ("button", "input") else ""
        tag = {"input": "INPUT", "row": "TR"}.get(role, "BDI")
        cls = {"input": "sapMInputBaseInner", "row": "sapMListTblRow"}.get(role, "sapMBtnContent")
        return {
            "element_id": f"__xmlview{view}--{target.control}{inner}",
            "element_class": cls,
            "tag": tag,
        }


def hash_index(text: str) -> int:
    """A small stable number from a text (Python's hash() changes between runs)."""
    return sum(ord(c) * (i + 1) for i, c in enumerate(text))


def _fiori_value(rng: Random, key: str) -> str:
    if key in ("quantity",):
        return str(rng.randrange(1, 100))
    if key == "date":
        return f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.2026"
    if key in ("customer", "order", "filter"):
        return str(rng.randrange(10**6, 10**7))
    return rng.choice(
        ("ok", "approved as discussed", "see mail", f"MAT-{rng.randrange(1000, 1999)}")
    )


def draw_clickstream(rng: Random) -> Clickstream:
    app = rng.choice(sorted(FIORI_APPS))
    keys = [
        k
        for k in FIORI_APPS[app]
        if k in ("table-row", "save", "post", "submit") or rng.random() < 0.85
    ]
    y = 180
    targets = []
    for key in keys:
        y += rng.randint(40, 90)
        if key in TYPED:
            control = rng.choice((f"{key}Input", f"__input{rng.randrange(5, 60)}", f"{key}Field"))
        else:
            control = rng.choice((f"{key.replace('-', '')}Btn", f"__button{rng.randrange(5, 60)}"))
        targets.append(Target(key, rng.randint(120, 1100), y, control))
    tile = Target(
        "tile", rng.randint(60, 1200), rng.randint(150, 600), f"__tile{rng.randrange(1, 40)}"
    )
    return Clickstream(
        name=f"clickstream: {app}",
        tile=tile,
        targets=targets,
        encoding=rng.choice(("xy", "css", "xpath")),
        url=rng.choice(("", "https://fiori.example.com/sap/bc/ui2/flp#Shell-home")),
        view_shift=rng.choice((0.0, 0.3)),
        optional={
            k: rng.uniform(0.2, 0.5)
            for k in keys
            if k in ("comment", "value-help", "filter", "checkbox") and rng.random() < 0.6
        },
        habits=Habits.draw(rng),
    )
