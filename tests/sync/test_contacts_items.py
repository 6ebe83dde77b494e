"""ContactItem: normalised so that "equal" means "the same card for the user"; Outlook's names."""

import pytest

from calendar_exchange_sync.sync.contacts import (
    Address,
    ContactItem,
    file_as,
    join_name,
    match_keys,
    split_name,
)


def test_names_split_and_join_as_outlook_does():
    assert split_name("Mary Ann  Smith") == ("Mary", "Ann", "Smith")
    assert split_name("Jean-Luc de la Fontaine") == ("Jean-Luc", "de la", "Fontaine")
    assert split_name("Cher") == ("Cher", "", "")
    assert split_name("  ") == ("", "", "")
    assert join_name("Mary", "", "Smith") == "Mary Smith"
    assert join_name(*split_name("A B C D")) == "A B C D"
    assert file_as("Mary", "Smith") == "Smith, Mary"
    assert file_as("", "", "Acme") == "Acme"
    assert file_as("Mary", "") == "Mary"


def test_equal_means_the_same_for_the_user():
    one = ContactItem(
        name=" Mary  Smith ",
        emails=("Mary@Example.COM", "", "mary@example.com", "m2@example.com"),
        address=Address(street="Main St 1\r\n\r\n  Floor 2 ", city=" Lund"),
        website="www.example.com",
        notes="Hello  \r\n\r\n\r\n\r\nWorld\n",
        categories=("VIP", " VIP ", "Customer"),
    )
    two = ContactItem(
        name="Mary Smith",
        emails=("mary@example.com", "m2@example.com"),
        address=Address(street="Main St 1\nFloor 2", city="Lund"),
        website="http://www.example.com",
        notes="Hello\n\nWorld",
        categories=("Customer", "VIP"),
    )
    assert one == two and hash(one) == hash(two)
    assert one.content_hash() == two.content_hash()
    assert one.address.street_lines == ("Main St 1", "Floor 2")
    assert one.email == "mary@example.com"
    assert ContactItem.from_json(one.to_json()) == one


def test_changed_fields_and_hashes():
    base = ContactItem(name="A", business_phone="1")
    changed = base.replace(business_phone="2", address=Address(city="Lund"))
    assert changed.changed_fields(base) == {"business_phone", "address"}
    assert changed.changed_fields(base.field_hashes()) == {"business_phone", "address"}
    assert base.changed_fields({}) == set(base.content())


def test_bad_values_are_refused():
    with pytest.raises(ValueError):
        ContactItem(emails=("a@x", "b@x", "c@x", "d@x"))
    with pytest.raises(TypeError):
        ContactItem(emails="a@x")
    with pytest.raises(TypeError):
        ContactItem(address="Main St")


def test_company_card_and_subject():
    card = ContactItem(name="Acme", company="ACME")
    assert card.is_company and card.subject == "Acme"
    assert not ContactItem(name="Mary", company="Acme").is_company
    assert ContactItem(emails=("x@y.z",)).subject == "x@y.z"


def test_match_keys_email_first_then_name_and_phone():
    item = ContactItem(name="Mary Smith", emails=("m@x.com",), mobile_phone="+46 (0)70-123")
    assert match_keys(item) == [("email", "m@x.com"), ("name+phone", "mary smith", "46070123")]
    assert match_keys(ContactItem(name="Mary")) == [None, None]
