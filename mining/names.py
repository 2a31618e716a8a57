"""Names a person can read for candidate processes ("Enter student from StudentRecords
into campus", "Reply to order status e-mail").

A name says what the routine does with data, where from and where to, and what about:

- the *verb* from its transfers: values copied from a spreadsheet and entered elsewhere
  ("Enter … from … into …"), copied from elsewhere into a spreadsheet ("Copy … from …
  into …"), taken from an e-mail ("Enter … from e-mail into …"), a reply written in the
  mail app ("Reply to … e-mail"), or a form filled by typing ("Fill in … in …");
- the *places*: a workbook by its file name, a web application by its host, any other
  app by its name;
- the *object*: the word the routine's windows, addresses and workbooks repeat most
  ("invoice", "student"), placeholders and generic words left out.

An app of an SAP Fiori launchpad says it all in its intent, the semantic object and
action its address (or its controls' ids, `mining.actions.app_route`) names:
"#SalesOrder-approve" is "Approve sales order".

Only the consensus steps of `mining.align` are read; names are plain text (the explorer
escapes them like any recorded string).
"""

from __future__ import annotations

import re
from collections import Counter

import polars as pl

#: Kinds that enter data into the window they happen in.
ENTER = {
    "type", "paste", "insertValue", "changeField", "editField", "editCell", "editCellSheet",
    "pasteIntoCell", "selectOptions", "select", "setValue",
}  # fmt: skip
#: Kinds that take data from the window they happen in.
TAKE = {"copy", "cut", "copyCell", "copyRange", "getCell", "getRange"}
#: Words that name no business object.
GENERIC = {
    "new", "create", "edit", "add", "form", "page", "list", "home", "index", "www", "com",
    "org", "net", "html", "htm", "php", "aspx", "xlsx", "xls", "csv", "pdf", "docx", "app",
    "example", "https", "http", "the", "and", "for", "from", "with", "into", "view",
    "sheet", "sheet1", "tabelle1", "data", "message", "inbox", "microsoft", "google",
    "chrome", "excel", "outlook", "mail", "office", "sap", "web", "webgui", "browser",
    "register", "search", "detail", "details", "entry", "enter", "display", "overview",
    "default", "main", "submit", "save", "change", "shell", "flp", "ui2", "bc",
    "gui", "fiori", "export", "import", "document", "window", "file", "reader", "adobe",
}  # fmt: skip
_SPREADSHEETS = ("excel", "calc", "sheets", "spreadsheet", "numbers")
_MAIL = ("mail", "outlook", "thunderbird")
#: What people call some desktop programs recorded by their process name.
ALIASES = {
    "saplogon": "SAP", "acrord32": "Adobe Reader", "acrobat": "Adobe Acrobat",
    "winword": "Word", "excel": "Excel", "ms-teams": "Teams", "outlook": "Outlook",
    "olk": "Outlook", "msedge": "Edge", "chrome": "Chrome", "firefox": "Firefox",
}  # fmt: skip


def name_process(steps: pl.DataFrame) -> str:
    """A readable name for one candidate from its consensus ``steps`` (columns ``kind``,
    ``app``, ``window_template``, ``action``; in workflow order).

    Example::

        name_process(process_steps.filter(pl.col("process_id") == 3))
    """
    rows = steps.select("kind", "app", "window_template", "action").rows()
    places = [_place(app, window, action) for _, app, window, action in rows]
    intent = _intent(rows)
    if intent:
        hosts = [p[1] for (*_, action), p in zip(rows, places, strict=True) if _host(action)]
        return f"{intent} in {_most(hosts)}" if hosts else intent
    sources = [p for (kind, *_), p in zip(rows, places, strict=True) if kind in TAKE]
    targets = [p for (kind, *_), p in zip(rows, places, strict=True) if kind in ENTER]
    source = _most(sources)
    target = _most([t for t in targets if t != source]) or _most(targets)
    what = _object(rows) or "records"
    if source and _is(source, _MAIL) and target:
        verb = f"Enter {what} from e-mail into {target[1]}"
    elif target and _is(target, _MAIL):
        verb = f"Reply to {what} e-mail"
    elif source and target and _is(source, _SPREADSHEETS):
        verb = f"Enter {what} from {source[1]} into {target[1]}"
    elif source and target:
        verb = f"Copy {what} from {source[1]} into {target[1]}"
    elif target:
        verb = f"Fill in {what} in {target[1]}"
    else:
        apps = [p[1] for p in places if p]
        verb = f"Work on {what} in {_most(apps) or 'one window'}"
    return verb


def _place(app: str | None, window: str | None, action: str) -> tuple[str, str] | None:
    """``(app, how a reader calls the place)``: a workbook's file name, a web app's host
    (without ``www.``), else the app's name without ``.exe``."""
    app = (app or "").strip()
    host = _host(action)
    window = window or ""
    if app.lower().startswith(_SPREADSHEETS) or "excel" in app.lower():
        book = _clean(re.split(r"\s[|\-–]\s", window)[0])
        return (app.lower(), _clean(re.sub(r"\.\w{2,4}$", "", book)) or "Excel")
    if host:
        return (app.lower(), host.split(".")[0] if host.count(".") > 1 else host)
    if not app:
        return None
    program = re.sub(r"\.exe$", "", app, flags=re.IGNORECASE)
    return (app.lower(), ALIASES.get(program.lower(), program))


#: A launchpad intent in an address: ``#SemanticObject-action`` (the launchpad's own
#: home is ``#Shell-home``).
_INTENT = r"#([A-Z][A-Za-z]+)-([a-z][A-Za-z]+)"
#: A word of a camel-case name, or an acronym ("WBSElement": "WBS", "Element").
_WORD = r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])"


def _intent(rows: list[tuple]) -> str:
    """The name of the launchpad app half the steps or more are in, from its intent
    ("#SalesOrder-approve": "Approve sales order"), else ""."""
    found = [re.search(_INTENT, _url(action)) for *_, action in rows]
    intents = [m.groups() for m in found if m and m.group(1) != "Shell"]
    top = _most(intents)
    if not top or 2 * intents.count(top) < len(rows):
        return ""
    thing, action = (
        " ".join(w if w.isupper() else w.lower() for w in re.findall(_WORD, part)) for part in top
    )
    return f"{action.capitalize()} {thing}"


def _host(action: str) -> str:
    """The host of an action's URL (its label's last part: titles may hold "|"), without
    ``www.``, a port or a fragment."""
    return re.sub(r"[:#].*$", "", _url(action).split("/")[0].removeprefix("www."))


def _url(action: str) -> str:
    return action.rsplit("|", 1)[-1] if action.count("|") >= 4 else ""


def _object(rows: list[tuple]) -> str:
    """The business word the routine's windows, addresses and workbooks repeat most,
    in the singular."""
    words: Counter[str] = Counter()
    systems = {label for _, _, _, action in rows for label in _host(action).split(".")}
    for _, _, window, action in rows:
        path = "/".join(_url(action).split("/")[1:])
        for text in (_clean(window or ""), path):
            for word in re.findall(r"[A-Za-z][a-z]+|[A-Z]{2,}(?![a-z])", text):
                word = word.lower()
                if word not in GENERIC and word not in systems and len(word) > 3:
                    words[_singular(word)] += 1
    return words.most_common(1)[0][0] if words else ""


def _clean(text: str) -> str:
    """Without placeholders, and without the separators they leave at either end."""
    return re.sub(r"<[^>]*>", " ", text).strip(" _-–|:.,*")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _most(items: list):
    """The most common of ``items`` that is not empty (the first seen on ties), or None."""
    items = [item for item in items if item]
    return Counter(items).most_common(1)[0][0] if items else None


def _is(place: tuple[str, str], apps: tuple[str, ...]) -> bool:
    """The place is one of ``apps``, by program or by name (a webmail host)."""
    return any(a in place[0] or a in place[1].lower() for a in apps)
