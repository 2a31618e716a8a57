"""Noise bursts: what a person does between (and inside) routine instances.

Checking webmail, reading news, a chat message, a web search, a glance at a personal
workbook; in a click-stream log, stray clicks on the launchpad. Bursts use the same apps
as the routines (Chrome, Excel), so a miner cannot drop them by application.
"""

from __future__ import annotations

from random import Random

from sample_logs.families import events as ui
from sample_logs.families.routine import Step

NEWS = ("www.reuters.com", "www.bbc.co.uk/news", "www.heise.de", "news.ycombinator.com")
SEARCHES = ("excel vlookup", "public holidays 2026", "train berlin hamburg", "vat rate nl")
CHAT = ("on my way", "thanks!", "can we move the call to 3?", "sure", "lunch?")
INBOX = "https://outlook.office.com/mail/inbox"


def noise_burst(rng: Random, clicks_only: bool = False) -> Step:
    """One burst of 1-8 non-routine events."""
    if clicks_only:
        return [
            ui.UiEvent(
                "Chrome", "clickButton", "look", x=rng.randint(0, 1400), y=rng.randint(0, 900)
            )
            for _ in range(rng.randint(1, 4))
        ]
    kind = rng.choice(("mail", "news", "chat", "search", "workbook"))
    if kind == "mail":
        events = [ui.navigate(INBOX)]
        for _ in range(rng.randint(1, 3)):
            message = f"{INBOX}/id/AAQkAG{rng.randrange(10**8):08d}"
            events.append(
                ui.link(INBOX, rng.choice(("Team lunch", "IT notice", "Re: minutes")), message)
            )
        return events
    if kind == "news":
        site = "https://" + rng.choice(NEWS)
        return [ui.navigate(site)] + [
            ui.link(site, "article", f"{site}/{rng.randrange(10**6)}")
            for _ in range(rng.randint(0, 3))
        ]
    if kind == "chat":
        chat = "https://teams.microsoft.com/_#/conversations"
        box = ui.WebField("message", "Type a message", "cke_editable", tag="DIV", input_type="")
        typed = ui.type_into(rng, chat, box, rng.choice(CHAT), 0.0)
        return [ui.navigate(chat), *typed, *ui.button(chat, "Send", "send-message-button")]
    if kind == "search":
        query = rng.choice(SEARCHES)
        search = "https://www.google.com/search"
        return [
            ui.navigate(f"{search}?q={query.replace(' ', '+')}"),
            ui.link(search, "result", "https://example.org/"),
        ]
    book = rng.choice(("Budget_2026.xlsx", "Vacation_plan.xlsx", "todo.xlsx"))
    return [ui.excel(book, "Sheet1", "selectWorksheet")] + [
        ui.cell(
            book, "Sheet1", "getCell", f"{ui.column_letter(rng.randrange(6))}{rng.randrange(2, 40)}"
        )
        for _ in range(rng.randint(1, 3))
    ]
