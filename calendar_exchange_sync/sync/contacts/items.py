"""The contact value object every side speaks: what one contact card means to the user.

``ContactItem`` is to contacts what ``CalendarItem`` is to calendar entries: normalised on
construction so that ``==`` and ``content_hash()`` mean "the same for the user", hashable, and
able to say which fields changed since an agreed state (``field_hashes``), so the engine merges
contacts exactly as it merges calendar entries.

Choices that are easy to get wrong:

* The name is one field, the full name as Outlook shows it ("Mary Ann Smith"): Odoo keeps one
  name, Exchange keeps given, middle and surname. Both sides compare the joined name, so a
  contact whose parts Outlook split its own way never bounces; a backend splits the name only
  when it writes a changed one (``split_name``, as Outlook splits a typed full name: the first
  word is the given name, the last the surname, the words between the middle name).
* The business address is one field (``Address``): it merges as a unit, so a merge never mixes
  the street of one side with the city of the other. ``street`` may hold several lines (EWS
  and Graph keep one multi-line street; Odoo's street and street2 are its first line and the
  rest).
* Up to three e-mail addresses, in order: the first is Odoo's e-mail.
* Notes are plain text (Graph's personalNotes is text; an HTML body from EWS is read as text),
  so nothing of Outlook's markup ever reaches Odoo's HTML field unescaped.
* A website without a scheme gets ``http://``, as Odoo stores it, so that it reads back equal.
* The country is text as Exchange holds it (Exchange keeps no country code); the Odoo layer
  resolves it to a country by ISO code or name and writes the country's name.

Identity is not content: ids, versions and the Odoo identity travel beside the item.
"""

import dataclasses
import hashlib
import json
import re

from ..normalize import canonical_json, field_text

MAX_EMAILS = 3
CONTENT_FIELDS = (
    "name",
    "company",
    "job_title",
    "emails",
    "business_phone",
    "mobile_phone",
    "address",
    "website",
    "notes",
    "categories",
)
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _set(obj, name, value):
    object.__setattr__(obj, name, value)  # normalising a frozen dataclass in __post_init__


def one_line(value):
    """Trimmed text with runs of whitespace made one space."""
    return _SPACES.sub(" ", value or "").strip()


def text_block(value):
    """Multi-line text: Unix line ends, no trailing spaces, at most one empty line in a row."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def website(value):
    """A website as Odoo stores it: with a scheme (``http://`` when none was given)."""
    value = (value or "").strip()
    if value and not _SCHEME.match(value):
        value = "http://" + value.lstrip("/")
    return value


def split_name(full_name):
    """(given, middle, surname) of a full name, split as Outlook splits a typed one."""
    words = one_line(full_name).split(" ") if one_line(full_name) else []
    if not words:
        return "", "", ""
    if len(words) == 1:
        return words[0], "", ""
    return words[0], " ".join(words[1:-1]), words[-1]


def join_name(given="", middle="", surname=""):
    """The full name of the parts, as Outlook's DisplayName ("Given Middle Surname")."""
    return one_line(" ".join(p for p in (given, middle, surname) if p))


def file_as(given, surname, company=""):
    """What Outlook files a contact under by default (FileAsMapping LastCommaFirst)."""
    given, surname = one_line(given), one_line(surname)
    if given and surname:
        return "%s, %s" % (surname, given)
    return surname or given or one_line(company)


@dataclasses.dataclass(frozen=True)
class Address:
    """A business address; ``street`` may hold several lines."""

    street: str = ""
    city: str = ""
    zip: str = ""
    state: str = ""
    country: str = ""

    def __post_init__(self):
        lines = [one_line(line) for line in text_block(self.street).split("\n")]
        _set(self, "street", "\n".join(line for line in lines if line))
        for name in ("city", "zip", "state", "country"):
            _set(self, name, one_line(getattr(self, name)))

    def __bool__(self):
        return any(dataclasses.astuple(self))

    def to_dict(self):
        return dataclasses.asdict(self)

    @property
    def street_lines(self):
        """(first line, the other lines): Odoo's street and street2."""
        first, _sep, rest = self.street.partition("\n")
        return first, rest


@dataclasses.dataclass(frozen=True, eq=False)
class ContactItem:
    """The normalised content of one contact (see the module docstring)."""

    name: str = ""
    company: str = ""
    job_title: str = ""
    emails: tuple = ()
    business_phone: str = ""
    mobile_phone: str = ""
    address: Address = Address()
    website: str = ""
    notes: str = ""
    categories: tuple = ()
    _content: dict | None = dataclasses.field(default=None, init=False, repr=False)
    _hashes: dict | None = dataclasses.field(default=None, init=False, repr=False)

    # A contact has no activity type; the engine asks (it keeps the calendar's agreed type).
    activity_type = None

    def __post_init__(self):
        for name in ("name", "company", "job_title", "business_phone", "mobile_phone"):
            _set(self, name, one_line(getattr(self, name)))
        if isinstance(self.emails, (str, bytes)) or isinstance(self.categories, (str, bytes)):
            raise TypeError("emails and categories are sequences, not strings")
        emails = []
        for value in self.emails:
            address = (value or "").strip().lower()
            if address and address not in emails:
                emails.append(address)
        if len(emails) > MAX_EMAILS:
            raise ValueError("a contact holds at most %d e-mail addresses" % MAX_EMAILS)
        _set(self, "emails", tuple(emails))
        address = self.address
        if isinstance(address, dict):
            address = Address(**address)
        if not isinstance(address, Address):
            raise TypeError("address must be an Address, not %r" % (address,))
        _set(self, "address", address)
        _set(self, "website", website(self.website))
        _set(self, "notes", text_block(self.notes))
        tags = {one_line(c) for c in self.categories if c and one_line(c)}
        _set(self, "categories", tuple(sorted(tags)))

    @property
    def subject(self):
        """How logs and messages name the contact."""
        return self.name or self.company or (self.emails[0] if self.emails else "")

    @property
    def email(self):
        """The first e-mail address (Odoo's e-mail), or ""."""
        return self.emails[0] if self.emails else ""

    @property
    def is_company(self):
        """A card of a company itself: no person's name, only the company's."""
        return bool(self.company) and self.name.casefold() == self.company.casefold()

    # -- content -------------------------------------------------------------------------

    def content(self):
        """The canonical JSON-ready dict of what the user sees (cached)."""
        if self._content is None:
            value = {name: getattr(self, name) for name in CONTENT_FIELDS}
            value["emails"] = list(self.emails)
            value["categories"] = list(self.categories)
            value["address"] = self.address.to_dict()
            _set(self, "_content", value)
        return self._content

    def content_hash(self):
        return hashlib.sha256(canonical_json(self.content()).encode()).hexdigest()

    def field_hashes(self):
        """Short per-field digests, enough to tell later which fields changed since then."""
        if self._hashes is None:
            hashes = {
                name: hashlib.sha256(field_text(value).encode()).hexdigest()[:16]
                for name, value in self.content().items()
            }
            _set(self, "_hashes", hashes)
        return dict(self._hashes)

    def changed_fields(self, other):
        """Names of the fields that differ from ``other`` (an item or a ``field_hashes()``)."""
        if isinstance(other, ContactItem):
            mine, theirs = self.content(), other.content()
        elif not other:
            return set(CONTENT_FIELDS)
        else:
            mine, theirs = self._hashes or self.field_hashes(), other
        return {name for name in CONTENT_FIELDS if mine.get(name) != theirs.get(name)}

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def fill_gaps(self, other):
        """This item with the fields it leaves empty taken from ``other`` (initial pairing:
        what only one side knows is no conflict)."""
        mine, theirs = self.content(), other.content()
        empty = ("", [], None)
        gaps = {
            name: getattr(other, name)
            for name in CONTENT_FIELDS
            if (mine[name] in empty or (name == "address" and not self.address))
            and not (theirs[name] in empty or (name == "address" and not other.address))
        }
        return self.replace(**gaps) if gaps else self

    def __eq__(self, other):
        if not isinstance(other, ContactItem):
            return NotImplemented
        return self.content() == other.content()

    def __hash__(self):
        return hash(canonical_json(self.content()))

    # -- storage -------------------------------------------------------------------------

    def to_dict(self):
        return dict(self.content())

    def to_json(self):
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data):
        data = dict(data)
        data["emails"] = tuple(data.get("emails", ()))
        data["categories"] = tuple(data.get("categories", ()))
        data["address"] = Address(**(data.get("address") or {}))
        return cls(**data)

    @classmethod
    def from_json(cls, text):
        return cls.from_dict(json.loads(text))
