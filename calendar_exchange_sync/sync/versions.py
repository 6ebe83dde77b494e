"""The kinds of Exchange the product connects to: one table for Settings, the bridge and EWS.

Each entry gives the value Settings stores (``key``), what Settings shows, and for on-premises
Exchange the EWS ``RequestServerVersion`` we speak to it, the server build that version stands
for and how the connection test names such a server. Office 365 has no EWS version: it goes
through Microsoft Graph. Ordered from oldest to newest.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class ExchangeVersion:
    key: str  # the company's ``exchange_version``
    label: str  # the choice in Settings
    ews: str | None = None  # EWS RequestServerVersion; None: not EWS (Office 365)
    build: tuple[int, int] | None = None  # (major, minor) of the oldest server it means
    server: str = ""  # a server of this version, in the connection test's sentences


VERSIONS = (
    ExchangeVersion(
        "exchange2007", "Exchange 2007", "Exchange2007_SP1", (8, 1), "Exchange 2007 SP1"
    ),
    ExchangeVersion(
        "exchange2010", "Exchange 2010", "Exchange2010_SP2", (14, 2), "Exchange 2010 SP2"
    ),
    ExchangeVersion("exchange2013", "Exchange 2013", "Exchange2013", (15, 0), "Exchange 2013"),
    ExchangeVersion(
        "exchange2016",
        "Exchange 2016 (2016, 2019 and Subscription Edition)",
        "Exchange2016",
        (15, 1),
        "Exchange 2016 or newer",
    ),
    ExchangeVersion("office365", "Office 365 / Exchange Online"),
)

# Settings' selection, and the keys that go through EWS.
SELECTION = [(v.key, v.label) for v in VERSIONS]
ON_PREMISES_VERSIONS = tuple(v.key for v in VERSIONS if v.ews)
# EWS versions by their RequestServerVersion name, oldest first.
EWS_VERSIONS = {v.ews: v for v in VERSIONS if v.ews}


def by_key(key):
    """The version Settings calls ``key``, or None."""
    return next((v for v in VERSIONS if v.key == key), None)
