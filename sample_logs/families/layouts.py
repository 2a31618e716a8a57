"""Writing events in the columns of Action Logger and SmartRPA, as those tools write them.

Action Logger (Leno et al.) records Chrome through an extension and Excel through an
add-in: ISO timestamps with ``Z``, event types such as ``copyCell`` and ``changeField``,
the cell in ``target.id``, no coordinates, no window titles. SmartRPA (Agostinelli et
al.) writes UTF-8 with a byte-order mark, timestamps ``2020-02-12 17:11:14:465``, a
category per source, the mouse position, the browser tab's title, and XPaths; it does
not log single keystrokes (``editField``), so those rows are not written.
"""

from __future__ import annotations

from datetime import datetime

from sample_logs.families.events import UiEvent
from storage.importers.actionlogger import ACTIONLOGGER_COLUMNS

SMARTRPA_COLUMNS = (
    "timestamp", "user", "category", "application", "event_type", "event_src_path",
    "event_dest_path", "clipboard_content", "mouse_coord", "workbook", "current_worksheet",
    "worksheets", "sheets", "cell_content", "cell_range", "cell_range_number", "window_size",
    "slides", "effect", "hotkey", "id", "title", "description", "browser_url", "eventQual",
    "tab_moved_from_index", "tab_moved_to_index", "newZoomFactor", "oldZoomFactor",
    "tab_pinned", "tab_audible", "tab_muted", "window_ingognito", "file_size", "tag_category",
    "tag_type", "tag_name", "tag_title", "tag_value", "tag_checked", "tag_html", "tag_href",
    "tag_innerText", "tag_option", "tag_attributes", "xpath", "xpath_full",
)  # fmt: skip
LAYOUTS = ("actionlogger", "smartrpa")

#: SmartRPA's names for Action Logger's event types; None: SmartRPA does not record it.
SMARTRPA_KINDS: dict[str, str | None] = {
    "editField": None,
    "submit": "formSubmit",
    "navigateTo": "changeUrl",
    "editCell": "editCellSheet",
    "copyCell": "copy",
    "copyRange": "copy",
    "pasteIntoCell": "paste",
    "selectWorksheet": "WorksheetActivated",
}


def recorded(layout: str, event: UiEvent) -> bool:
    """Whether the tool of ``layout`` writes a row for ``event``."""
    return layout != "smartrpa" or SMARTRPA_KINDS.get(event.kind, event.kind) is not None


def actionlogger_row(ts: datetime, user: str, e: UiEvent) -> dict[str, str]:
    clicked = e.kind in ("clickButton", "clickLink")
    return {
        "timeStamp": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
        "userID": user,
        "targetApp": e.app,
        "eventType": e.kind,
        "url": e.url,
        "content": e.content,
        "target.workbookName": e.workbook,
        "target.sheetName": e.sheet,
        "target.id": e.cell or e.element_id,
        "target.class": e.element_class,
        "target.tagName": e.tag,
        "target.type": e.input_type,
        "target.name": e.name,
        "target.value": e.value,
        "target.innerText": e.text,
        "target.checked": e.checked,
        "target.href": e.href,
        "target.option": e.option,
        "target.title": "",
        "target.innerHTML": f"<span>{e.text}</span>" if clicked and e.text else "",
    }


def smartrpa_row(ts: datetime, user: str, e: UiEvent) -> dict[str, str]:
    row = dict.fromkeys(SMARTRPA_COLUMNS, "")
    excel = e.app == "Excel"
    kind = SMARTRPA_KINDS.get(e.kind, e.kind) or e.kind
    if e.kind in ("clickButton", "clickLink") and e.x is not None and not (e.element_id or e.xpath):
        kind = "mouseClick"  # a click the tool could only place on the screen
    row |= {
        "timestamp": ts.strftime("%Y-%m-%d %H:%M:%S:") + f"{ts.microsecond // 1000:03d}",
        "user": user,
        "category": "MicrosoftOffice" if excel else "Browser",
        "application": "Microsoft Excel" if excel else "Chrome",
        "event_type": kind,
        "clipboard_content": e.content,
        "mouse_coord": f"{e.x},{e.y}" if e.x is not None else "",
        "workbook": e.workbook,
        "current_worksheet": e.sheet,
        "cell_content": e.value if excel else "",
        "cell_range": e.cell,
        "id": e.element_id,
        "title": e.title or _tab_title(e.url),
        "browser_url": e.url,
        "tag_category": e.tag,
        "tag_type": e.input_type,
        "tag_name": e.name,
        "tag_value": "" if excel else e.value,
        "tag_checked": e.checked,
        "tag_href": e.href,
        "tag_innerText": e.text,
        "tag_option": e.option,
        "xpath": e.xpath,
    }
    return row


def _tab_title(url: str) -> str:
    """What a browser tab shows for ``url``: its last path part and host, or nothing."""
    if not url:
        return ""
    host, _, path = url.split("://", 1)[-1].partition("/")
    page = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "Home"
    return f"{page.replace('-', ' ').capitalize()} - {host}"


def columns(layout: str) -> tuple[str, ...]:
    return ACTIONLOGGER_COLUMNS if layout == "actionlogger" else SMARTRPA_COLUMNS


def render_row(layout: str, ts: datetime, user: str, event: UiEvent) -> dict[str, str]:
    if layout == "actionlogger":
        return actionlogger_row(ts, user, event)
    return smartrpa_row(ts, user, event)
