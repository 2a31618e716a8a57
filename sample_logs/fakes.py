"""Realistic fake values (people, companies, amounts, document numbers) from small built-in lists.

Faker would add a dependency and change its output between releases; these lists are tiny,
stable, and enough for values that look like what office workers type and copy.
"""

from __future__ import annotations

from datetime import date, timedelta
from random import Random

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Keiko", "Lars", "Maria", "Nikolai", "Olivia", "Pedro", "Quentin", "Rosa", "Samir",
    "Tanja", "Umar", "Vera", "William", "Ximena", "Yusuf", "Zoe", "Aisha", "Bruno",
    "Chloe", "Dmitri", "Emma", "Felix", "Giulia", "Hannah", "Ivan", "Julia", "Kofi",
    "Lena", "Marco", "Nadia",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Okafor", "Rossi", "Nguyen", "Johansson", "Garcia", "Müller", "Kowalski",
    "Dubois", "Tanaka", "Silva", "Novak", "O'Brien", "Fischer", "Haddad", "Jensen",
    "Moreau", "Petrov", "Santos", "Weber", "Yilmaz", "Andersen", "Becker", "Costa",
    "Dijkstra", "Ivanova", "Kaur", "Lindqvist", "Martin", "Richter",
)  # fmt: skip
COMPANY_STEMS = (
    "Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella", "Stark", "Wayne",
    "Tyrell", "Cyberdyne", "Acme", "Hooli", "Vandelay", "Wonka", "Soylent", "Gringotts",
    "Oceanic", "Nakatomi", "Duff", "Monarch", "Blue Sun", "Aperture", "Massive Dynamic",
    "Prestige", "Sirius", "Pied Piper", "Dunder", "Kruger", "Zephyr", "Helios",
)  # fmt: skip
COMPANY_SUFFIXES = ("GmbH", "Ltd", "Inc.", "AG", "S.A.", "B.V.", "LLC", "Oy", "SARL", "plc")
COMPANY_KINDS = ("Logistics", "Supplies", "Industries", "Trading", "Systems", "Foods", "")
CITIES = (
    "Hamburg", "Lyon", "Milan", "Rotterdam", "Leeds", "Porto", "Gdansk", "Graz", "Aarhus",
    "Bilbao", "Tampere", "Ghent", "Brno", "Cork", "Malmö", "Basel",
)  # fmt: skip
DEPARTMENTS = ("Finance", "Sales", "Marketing", "Operations", "IT", "HR", "Procurement", "Legal")
JOB_TITLES = (
    "Sales Manager", "Accountant", "Data Analyst", "Buyer", "HR Generalist",
    "Customer Service Agent", "Software Engineer", "Marketing Specialist", "Controller",
    "Logistics Coordinator",
)  # fmt: skip
EXPENSE_TYPES = (
    "Hotel",
    "Taxi",
    "Train",
    "Flight",
    "Meals",
    "Mileage",
    "Parking",
    "Office supplies",
)
MERCHANTS = (
    "Hilton Garden Inn", "Deutsche Bahn", "Uber", "Lufthansa", "Pret A Manger", "Shell",
    "Staples", "Ibis Budget", "Eurostar", "Q-Park", "Starbucks", "NH Hotels",
)  # fmt: skip
CURRENCIES = ("EUR", "EUR", "EUR", "GBP", "USD", "CHF", "SEK")
REGIONS = ("North", "South", "East", "West", "Central", "DACH", "Nordics", "Iberia")
ORDER_STATUSES = ("Shipped", "In delivery", "Partially shipped", "Awaiting stock", "Delivered")
TICKET_CATEGORIES = ("Hardware", "Software", "Network", "Access request", "E-mail", "Printer")
ASSIGNMENT_GROUPS = ("Service Desk L1", "Workplace Support", "Network Ops", "IAM Team", "SAP Basis")
TICKET_PROBLEMS = (
    "Laptop does not boot after update", "Cannot connect to VPN from home",
    "Outlook keeps asking for password", "Printer on 3rd floor jams",
    "Need access to SharePoint finance site", "Excel crashes when opening macro file",
    "Monitor flickering", "SAP GUI shows connection error", "Teams camera not detected",
)  # fmt: skip
MAIL_DOMAIN = "northwind-corp.example"


def person(rng: Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def email_of(first: str, last: str, domain: str) -> str:
    local = f"{first}.{last}".lower().replace("'", "").replace("ö", "oe").replace("ü", "ue")
    return f"{local}@{domain}"


def company(rng: Random) -> str:
    kind = rng.choice(COMPANY_KINDS)
    return " ".join(p for p in (rng.choice(COMPANY_STEMS), kind, rng.choice(COMPANY_SUFFIXES)) if p)


def domain_of(company_name: str) -> str:
    stem = company_name.split()[0].lower()
    return f"{stem}.example"


def amount(rng: Random, median: float, spread: float = 0.8) -> str:
    """A money amount, lognormal around ``median``, formatted the way ERP forms show it."""
    return f"{rng.lognormvariate(0, spread) * median:,.2f}"


def digits(rng: Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def invoice_number(rng: Random, year: int) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"INV-{year}-{digits(rng, 5)}"
    if style == 1:
        return f"RE{year % 100}{digits(rng, 6)}"
    if style == 2:
        return f"{digits(rng, 4)}/{year}"
    return f"#A{rng.randrange(10000, 99999)}"


def day_before(rng: Random, today: date, max_days: int) -> date:
    return today - timedelta(days=rng.randrange(1, max_days + 1))


def iso(d: date) -> str:
    return d.isoformat()


def german(d: date) -> str:
    return d.strftime("%d.%m.%Y")
