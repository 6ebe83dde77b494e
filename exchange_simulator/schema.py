"""Validation of EWS messages against Microsoft's published schema (messages.xsd + types.xsd).

Exchange rejects a request that does not match its schema with an ErrorSchemaValidation
fault; the simulator does the same, and also checks its own answers so that it cannot drift
from what a real server sends. The schema folder is ``$EWS_SCHEMA_DIR`` or
``../shared/ews-schema`` next to the repository; when neither exists, validation is skipped
and one clear line says so.

The schema covers SOAP body elements and the EWS header elements, each validated on its own
(never the SOAP envelope), as the schema's README explains.
"""

import logging
import os
import threading
from pathlib import Path

from lxml import etree

_logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache = {}


def schema_dir():
    env = os.environ.get("EWS_SCHEMA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "ews-schema"


class Validator:
    """Validates single elements; ``enabled`` is False when the schema files are absent."""

    def __init__(self, directory=None):
        directory = Path(directory) if directory else schema_dir()
        self.directory = directory
        path = directory / "messages.xsd"
        self.schema = None
        if path.is_file():
            self.schema = etree.XMLSchema(etree.parse(str(path)))
        else:
            _logger.warning(
                "EWS schema not found at %s: requests and answers are NOT schema-validated "
                "(set EWS_SCHEMA_DIR to enable it)",
                directory,
            )

    @property
    def enabled(self):
        return self.schema is not None

    def errors(self, element):
        """The schema violations of ``element`` (validated as a document root), [] when valid."""
        if self.schema is None:
            return []
        # Validating a copy as its own document: the schema declares body elements and
        # header elements as global elements, never the SOAP envelope around them.
        doc = etree.ElementTree(etree.fromstring(etree.tostring(element)))
        if self.schema.validate(doc):
            return []
        return [
            "line %d: %s" % (e.line, e.message) for e in self.schema.error_log.filter_from_errors()
        ]


def validator(directory=None):
    """A shared :class:`Validator` per folder (loading the schema takes ~0.15 s)."""
    key = str(directory or schema_dir())
    with _lock:
        if key not in _cache:
            _cache[key] = Validator(directory)
        return _cache[key]
