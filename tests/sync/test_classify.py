"""Trigger words and the classification of incoming entries."""

import pytest
from engine_world import make_item

from calendar_exchange_sync.sync.classify import Classifier, parse_trigger_words


@pytest.mark.parametrize(
    "text, words",
    [
        ("Lunch; LUN", ("Lunch", "LUN")),
        ("  Holiday ;HOL  ", ("Holiday", "HOL")),
        ("Meeting; MÖT", ("Meeting", "MÖT")),
        ("Team   lunch", ("Team lunch",)),
        ("lunch; LUNCH; Lun", ("lunch", "Lun")),
        ("", ()),
        ("   ", ()),
        (None, ()),
    ],
)
def test_parse_trigger_words(text, words):
    assert parse_trigger_words(text) == words


@pytest.mark.parametrize("text", ["Lunch;;LUN", "Lunch;", ";Lunch", " ; ", "a; ;b"])
def test_parse_trigger_words_refuses_empty_parts(text):
    with pytest.raises(ValueError, match="empty"):
        parse_trigger_words(text)


def classifier():
    return Classifier(
        [("lunch", "Lunch; LUN"), ("holiday", "Holiday; HOL"), ("meeting", "Meeting; MÖT")],
        personal="personal",
        default="default",
    )


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Lunch with Ann", "lunch"),
        ("lun: Ann", "lunch"),
        ("LUNCH", "lunch"),
        ("Lunchroom cleanup", "default"),  # whole words only
        ("Planned HOL", "holiday"),
        ("möt med Bo", "meeting"),  # case-insensitive beyond ASCII
        ("Mötesrum", "default"),
        ("Holiday lunch", "lunch"),  # the first type in the order given wins
        ("", "default"),
    ],
)
def test_classifier_by_subject(subject, expected):
    assert classifier()(make_item(subject)) == expected


def test_private_entries_get_the_personal_type_first():
    assert classifier()(make_item("Lunch", privacy="private")) == "personal"
    assert classifier()(make_item("Lunch", privacy="confidential")) == "lunch"
    without_personal = Classifier([("lunch", "Lunch")], personal=None, default="d")
    assert without_personal(make_item("Lunch", privacy="private")) == "lunch"


def test_multi_word_trigger_matches_across_spaces():
    c = Classifier([("team", ("Team lunch",)), ("lunch", ("lunch",))], default=None)
    assert c(make_item("Friday team  lunch")) == "team"
    assert c(make_item("lunch")) == "lunch"
    assert c(make_item("team")) is None
