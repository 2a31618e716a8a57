"""Work that is not a routine: reading mail, browsing, searching, chatting, the calendar.

Noise shares apps and even screens with the routines (the inbox, Chrome, Excel), as in a
real log, so a miner cannot separate routines by application alone. Its events carry the
ground-truth label ``__noise__``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from random import Random

from sample_logs import fakes
from sample_logs.routines import DataFn
from sample_logs.steps import Act, Node, at, click, either, fill, key, maybe, read, scroll, seq

NOISE = "__noise__"

MAIL_SUBJECTS = (
    "Team lunch on Friday?", "Updated holiday calendar", "IT maintenance this weekend",
    "Minutes: weekly sync", "FW: Q3 targets", "Parking garage closed Monday",
    "Newsletter: what's new at Northwind", "Re: project kick-off", "Training invitation",
    "Your password expires in 5 days", "Coffee machine fixed!", "Reminder: timesheets",
)  # fmt: skip
HEADLINES = (
    ("ECB holds rates steady", "Reuters", "www.reuters.com"),
    ("Storm warning for the north coast", "BBC News", "www.bbc.co.uk"),
    ("Five tips for better spreadsheets", "Lifehacker", "lifehacker.com"),
    ("Champions League draw announced", "ESPN", "www.espn.com"),
    ("New EU rules for e-invoicing", "Politico Europe", "www.politico.eu"),
)
QUERIES = (
    "excel vlookup two criteria", "incoterms 2020 dap", "public holidays 2026",
    "train hamburg berlin", "vat rate netherlands", "how to recall email outlook",
    "weather tomorrow", "pdf merge online",
)  # fmt: skip
WORKBOOKS = ("Budget_{year}.xlsx", "Team_Vacation_{year}.xlsx", "Q1_Forecast.xlsx", "Notes.xlsx")
INTRANET_PAGES = ("Cafeteria menu", "HR policies", "IT self-service", "Org chart", "News")
CHAT_LINES = (
    "ok, thanks!", "can you send me the file?", "in a meeting, call you later",
    "sure, 5 min", "👍", "did you see the mail from finance?", "lunch at 12?",
    "the SAP system is slow today", "done", "I'll check and get back to you",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Activity:
    name: str
    weight: float
    data: DataFn
    body: Node
    repeat: tuple[int, int] = (1, 1)  # how many times the body runs in one burst


def _mail_data(rng: Random, day: date) -> dict[str, str]:
    return {"subject": rng.choice(MAIL_SUBJECTS)}


def _news_data(rng: Random, day: date) -> dict[str, str]:
    headline, site, host = rng.choice(HEADLINES)
    slug = headline.lower().replace(" ", "-")
    return {"headline": headline, "news_site": site, "news_host": host, "slug": slug}


def _search_data(rng: Random, day: date) -> dict[str, str]:
    query = rng.choice(QUERIES)
    return {"query": query, "query_q": query.replace(" ", "+")}


def _intranet_data(rng: Random, day: date) -> dict[str, str]:
    page = rng.choice(INTRANET_PAGES)
    return {"intranet_page": page, "slug": page.lower().replace(" ", "-")}


def _chat_data(rng: Random, day: date) -> dict[str, str]:
    first, last = fakes.person(rng)
    return {"contact": f"{first} {last}", "line": rng.choice(CHAT_LINES)}


def _account_data(rng: Random, day: date) -> dict[str, str]:
    return {"customer": fakes.company(rng), "account_id": f"001{rng.randrange(16**12):012x}"}


def _workbook_data(rng: Random, day: date) -> dict[str, str]:
    first, last = fakes.person(rng)
    return {
        "workbook": rng.choice(WORKBOOKS).format(year=day.year),
        "cell_value": rng.choice((fakes.amount(rng, 500), f"{first} {last}", "ok", "tbd")),
    }


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        "read_mail",
        4.0,
        _mail_data,
        seq(
            at("mail.inbox", click("Message list", "listitem", "{subject}", think=2.0)),
            at("mail.inbox", read("Reading pane", think=6.0)),
            maybe(0.2, at("mail.inbox", either((0.5, click("Delete")), (0.5, click("Flag"))))),
        ),
        repeat=(1, 4),
    ),
    Activity(
        "news",
        1.0,
        _news_data,
        seq(
            at(
                "web.news",
                click("Headline", "link", "{headline}", think=3.0),
                read("Article", think=10.0),
            )
        ),
        repeat=(1, 3),
    ),
    Activity(
        "search",
        1.5,
        _search_data,
        seq(
            at("web.search", fill("Search", "{query}", "combobox"), key("enter", "Search")),
            at("web.search", click("Result", "link", think=3.0), read("Page", think=6.0)),
        ),
    ),
    Activity(
        "intranet",
        1.0,
        _intranet_data,
        at(
            "web.intranet",
            click("Menu", "link", "{intranet_page}", think=2.0),
            read("Page", think=5.0),
        ),
        repeat=(1, 3),
    ),
    Activity(
        "chat",
        2.5,
        _chat_data,
        at(
            "chat.teams",
            maybe(0.6, click("Conversation", "listitem", "{contact}")),
            Act("type", "Type a message", "edit", text="{line}"),
            key("enter", "Type a message"),
        ),
        repeat=(1, 3),
    ),
    Activity(
        "calendar",
        0.8,
        _mail_data,
        at("mail.calendar", click("Week", "tab"), scroll("Calendar", "table", 3.0)),
    ),
    # the routines' own screens, used for something else: a miner must not count these
    Activity(
        "crm_browse",
        0.8,
        _account_data,
        seq(
            at("sf.accounts", click("Result", "link", "{customer}", think=2.0)),
            at("sf.account", read("Account details", think=4.0)),
        ),
        repeat=(1, 2),
    ),
    Activity(
        "spreadsheet",
        1.0,
        _workbook_data,
        at(
            "excel.personal",
            scroll("Sheet", "table", 3.0),
            click("Cell", "cell", think=2.0),
            Act("type", "Cell", "cell", text="{cell_value}"),
            maybe(0.5, key("ctrl+s")),
        ),
    ),
)

#: A short chat: what interrupts a routine when a colleague writes.
CHAT = next(a for a in ACTIVITIES if a.name == "chat")
