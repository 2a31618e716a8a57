"""The windows people work in: application, window-title template and, for browsers, URL.

Titles and URLs are templates over an instance's data (``{invoice_no}``, ``{customer}``), so
the same screen shows different titles from one execution to the next, as in real logs.
A key ending in ``@flavour`` overrides the plain key for users of that mail client.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Screen:
    app: str
    title: str
    url: str | None = None


SF = "https://northwind.lightning.force.com/lightning"
SNOW = "https://northwind.service-now.com"
CONCUR = "https://eu2.concursolutions.com"

SCREENS: dict[str, Screen] = {
    # e-mail
    "mail.inbox": Screen("OUTLOOK.EXE", "Inbox - {me_email} - Outlook"),
    "mail.inbox@thunderbird": Screen("thunderbird.exe", "Inbox - {me_email} - Mozilla Thunderbird"),
    "mail.message": Screen("OUTLOOK.EXE", "{subject} - Message (HTML)"),
    "mail.message@thunderbird": Screen("thunderbird.exe", "{subject} - Mozilla Thunderbird"),
    "mail.reply": Screen("OUTLOOK.EXE", "RE: {subject} - Message (HTML)"),
    "mail.reply@thunderbird": Screen("thunderbird.exe", "Write: Re: {subject} - Thunderbird"),
    "mail.compose": Screen("OUTLOOK.EXE", "{compose_subject} - Message (HTML)"),
    "mail.compose@thunderbird": Screen("thunderbird.exe", "Write: {compose_subject} - Thunderbird"),
    "mail.calendar": Screen("OUTLOOK.EXE", "Calendar - {me_email} - Outlook"),
    "mail.calendar@thunderbird": Screen("thunderbird.exe", "Calendar - Mozilla Thunderbird"),
    # documents
    "pdf.invoice": Screen("AcroRd32.exe", "{pdf_name} - Adobe Acrobat Reader (64-bit)"),
    "explorer.folder": Screen("explorer.exe", "{folder}"),
    "dialog.upload": Screen("chrome.exe", "Open"),
    "dialog.attach": Screen("OUTLOOK.EXE", "Insert File"),
    "dialog.attach@thunderbird": Screen("thunderbird.exe", "Attach File(s)"),
    # SAP GUI
    "sap.home": Screen("saplogon.exe", "SAP Easy Access"),
    "sap.miro": Screen("saplogon.exe", "Enter Incoming Invoice: Company Code 1000"),
    "sap.fb60": Screen("saplogon.exe", "Enter Vendor Invoice: Company Code 1000"),
    "sap.posted": Screen("saplogon.exe", "Document {sap_doc} was posted in company code 1000"),
    "sap.va03": Screen("saplogon.exe", "Display Sales Order: Initial Screen"),
    "sap.order": Screen("saplogon.exe", "Display Standard Order {order_no}: Overview"),
    # Excel
    "excel.worklist": Screen("EXCEL.EXE", "Customer_Checks_{week}.xlsx - Excel"),
    "excel.consolidated": Screen("EXCEL.EXE", "Consolidated_Report_{month_tag}.xlsx - Excel"),
    "excel.expenses": Screen("EXCEL.EXE", "Expenses_{me_last}_{month_tag}.xlsx - Excel"),
    "excel.personal": Screen("EXCEL.EXE", "{workbook} - Excel"),
    # browser applications
    "sf.accounts": Screen(
        "chrome.exe", "Accounts | Salesforce - Google Chrome", f"{SF}/o/Account/list"
    ),
    "sf.account": Screen(
        "chrome.exe",
        "{customer} | Account | Salesforce - Google Chrome",
        f"{SF}/r/Account/{{account_id}}/view",
    ),
    "sf.users": Screen(
        "chrome.exe",
        "Users | Setup | Salesforce - Google Chrome",
        f"{SF}/setup/ManageUsers/home",
    ),
    "sf.new_user": Screen(
        "chrome.exe",
        "New User | Setup | Salesforce - Google Chrome",
        f"{SF}/setup/ManageUsers/page?address=%2F005%2Fe",
    ),
    "sf.user": Screen(
        "chrome.exe",
        "User: {new_first} {new_last} | Salesforce - Google Chrome",
        f"{SF}/setup/ManageUsers/page?address=%2F{{user_sfid}}",
    ),
    "entra.new_user": Screen(
        "chrome.exe",
        "New user - Microsoft Entra admin center - Google Chrome",
        "https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserManagementMenuBlade",
    ),
    "concur.home": Screen(
        "chrome.exe", "SAP Concur - Expense - Google Chrome", f"{CONCUR}/nui/expense"
    ),
    "concur.report": Screen(
        "chrome.exe",
        "Report {report_id} - {report_name} - SAP Concur - Google Chrome",
        f"{CONCUR}/nui/expense/report/{{report_id}}",
    ),
    "concur.expense": Screen(
        "chrome.exe",
        "New Expense - SAP Concur - Google Chrome",
        f"{CONCUR}/nui/expense/report/{{report_id}}/expense/new",
    ),
    "snow.queue": Screen(
        "chrome.exe",
        "Incidents | ServiceNow - Google Chrome",
        f"{SNOW}/now/nav/ui/classic/params/target/incident_list.do",
    ),
    "snow.incident": Screen(
        "chrome.exe",
        "{ticket} | Incident | ServiceNow - Google Chrome",
        f"{SNOW}/now/nav/ui/classic/params/target/incident.do%3Fsys_id%3D{{ticket_sysid}}",
    ),
    "shop.orders": Screen(
        "chrome.exe",
        "Orders · Northwind Shop Admin - Google Chrome",
        "https://admin.northwind-shop.example/orders",
    ),
    "shop.order": Screen(
        "chrome.exe",
        "Order {order_no} · Orders · Northwind Shop Admin - Google Chrome",
        "https://admin.northwind-shop.example/orders/{order_no}",
    ),
    # noise
    "web.news": Screen(
        "chrome.exe", "{headline} - {news_site} - Google Chrome", "https://{news_host}/{slug}"
    ),
    "web.search": Screen(
        "chrome.exe",
        "{query} - Google Search - Google Chrome",
        "https://www.google.com/search?q={query_q}",
    ),
    "web.intranet": Screen(
        "chrome.exe",
        "{intranet_page} - Northwind Intranet - Google Chrome",
        "https://intranet.northwind-corp.example/{slug}",
    ),
    "chat.teams": Screen("ms-teams.exe", "Chat | {contact} | Microsoft Teams"),
}

#: One window per regional workbook that the monthly consolidation opens.
SCREENS |= {
    f"excel.region{i}": Screen("EXCEL.EXE", f"Sales_{{region{i}}}_{{month_tag}}.xlsx - Excel")
    for i in range(1, 5)
}


def resolve(key: str, flavour: str) -> Screen:
    """The screen a user with mail client ``flavour`` sees for ``key``."""
    return SCREENS.get(f"{key}@{flavour}") or SCREENS[key]


def flavour_of(key: str, flavour: str) -> str:
    """``flavour`` if it changes how ``key`` looks, else "" (one rendering for everyone)."""
    return flavour if f"{key}@{flavour}" in SCREENS else ""
