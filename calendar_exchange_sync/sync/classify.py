"""Which activity type an entry coming from Exchange gets.

The administrator sets, on each activity type, trigger words such as ``"Lunch; LUN"``. An entry
marked private gets the type flagged *personal* (when there is one); otherwise the first type
whose trigger word appears in the subject as a whole word, in any case ("lunch with Ann" and
"LUN: Ann" match, "Lunchroom" does not); otherwise the company default.

``parse_trigger_words`` is shared with the Odoo model, which validates the field with it.
"""

import re


def parse_trigger_words(text):
    """``"Lunch; LUN"`` -> ``("Lunch", "LUN")``; empty or blank text means no trigger words.

    Raises ValueError for an empty part (``"Lunch;;LUN"``, ``"Lunch;"``), so a typo does not
    silently become a word that matches nothing. Case-insensitive duplicates are dropped.
    """
    if text is None or not text.strip():
        return ()
    words = []
    seen = set()
    for position, part in enumerate(text.split(";"), start=1):
        word = " ".join(part.split())  # inner runs of spaces count as one
        if not word:
            raise ValueError(
                "Trigger word %d of %r is empty: separate words with one semicolon, "
                'as in "Lunch; LUN".' % (position, text)
            )
        if word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    return tuple(words)


def trigger_pattern(words):
    """A compiled case-insensitive whole-word pattern for these words, or None for none."""
    if not words:
        return None
    # Longest first, so "Team lunch" wins over "lunch" in the same alternation.
    alternatives = "|".join(
        r"\s+".join(re.escape(piece) for piece in word.split())
        for word in sorted(words, key=len, reverse=True)
    )
    return re.compile(r"(?<!\w)(?:%s)(?!\w)" % alternatives, re.IGNORECASE)


class Classifier:
    """Callable ``item -> activity type`` built from the administrator's settings.

    ``types`` is an ordered sequence of ``(activity_type, trigger_words)`` where trigger_words
    is a tuple (from ``parse_trigger_words``) or the raw text; the first match wins.
    """

    def __init__(self, types=(), personal=None, default=None):
        self.personal = personal  # the type flagged personal, for private entries
        self.default = default  # the company default when nothing matches
        self._patterns = []
        for activity_type, words in types:
            if isinstance(words, str):
                words = parse_trigger_words(words)
            pattern = trigger_pattern(words)
            if pattern is not None:
                self._patterns.append((activity_type, pattern))

    def __call__(self, item):
        if item.privacy == "private" and self.personal:
            return self.personal
        for activity_type, pattern in self._patterns:
            if pattern.search(item.subject):
                return activity_type
        return self.default
