"""Validation of EWS messages against Microsoft's published schema (messages.xsd + types.xsd).

Exchange rejects a request that does not match its schema with an ErrorSchemaValidation
fault; the simulator does the same, and also checks its own answers so that it cannot drift
from what a real server sends. The schema folder is ``$EWS_SCHEMA_DIR`` or
``../shared/ews-schema`` next to the repository (Microsoft's files are not shipped with it).
When the folder is missing, validation is off and one line says so, except where it must be
on: with ``EWS_SCHEMA_REQUIRED=1``, or in CI (``CI=true``) unless ``EWS_SCHEMA_REQUIRED=0``,
a missing schema raises :class:`SchemaMissing`, naming the folder looked in.

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


_OFF = ("", "0", "false", "no", "off")


class SchemaMissing(RuntimeError):
    """The schema must be on (CI, ``EWS_SCHEMA_REQUIRED=1``) but its folder has no messages.xsd."""


def schema_dir():
    env = os.environ.get("EWS_SCHEMA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent.parent / "shared" / "ews-schema"


def schema_required():
    """True where a missing schema is an error: ``EWS_SCHEMA_REQUIRED`` decides, else ``CI``."""
    explicit = os.environ.get("EWS_SCHEMA_REQUIRED")
    if explicit is not None:
        return explicit.strip().lower() not in _OFF
    return os.environ.get("CI", "").strip().lower() not in _OFF


def missing_message(directory=None):
    """The one line saying validation is off and how to turn it on; None when it is on."""
    directory = Path(directory) if directory else schema_dir()
    if (directory / "messages.xsd").is_file():
        return None
    return (
        "EWS schema validation is OFF: no messages.xsd in %s; set EWS_SCHEMA_DIR=<folder with "
        "Microsoft's messages.xsd and types.xsd> to turn it on" % directory
    )


def require_message(directory=None):
    """The error for a schema that must be on but is missing (None when present)."""
    directory = Path(directory) if directory else schema_dir()
    if (directory / "messages.xsd").is_file():
        return None
    return (
        "the EWS schema is required here (CI or EWS_SCHEMA_REQUIRED=1) but %s has no "
        "messages.xsd: put Microsoft's EWS schema there or point EWS_SCHEMA_DIR at it" % directory
    )


class Validator:
    """Validates single elements; ``enabled`` is False when the schema files are absent."""

    def __init__(self, directory=None):
        directory = Path(directory) if directory else schema_dir()
        self.directory = directory
        path = directory / "messages.xsd"
        self.schema = None
        if path.is_file():
            self.schema = etree.XMLSchema(etree.parse(str(path)))
        elif schema_required():
            raise SchemaMissing(require_message(directory))
        else:
            _logger.warning("%s", missing_message(directory))

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
