"""Schema validation of EWS messages: on with Microsoft's schema, off (with one line) without."""

import logging

from lxml import etree

from exchange_simulator.schema import Validator, schema_dir, validator

M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
GET_FOLDER = (
    '<m:GetFolder xmlns:m="%s" xmlns:t="%s">%s<m:FolderIds>'
    '<t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>'
)
SHAPE = "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"


def test_valid_and_invalid_elements():
    check = validator()
    assert check.enabled, "shared/ews-schema is expected in this workplace"
    assert check.errors(etree.fromstring(GET_FOLDER % (M, T, SHAPE))) == []
    [problem] = check.errors(etree.fromstring(GET_FOLDER % (M, T, "")))
    assert "FolderIds" in problem and "FolderShape" in problem
    # Header elements validate on their own too.
    header = etree.fromstring('<t:RequestServerVersion xmlns:t="%s" Version="Exchange2016"/>' % T)
    assert check.errors(header) == []
    header.set("Version", "Exchange2099")
    assert check.errors(header)


def test_missing_schema_is_skipped_with_one_clear_line(tmp_path, caplog, monkeypatch):
    with caplog.at_level(logging.WARNING, logger="exchange_simulator.schema"):
        check = Validator(tmp_path)
    assert not check.enabled
    assert check.errors(etree.fromstring(GET_FOLDER % (M, T, ""))) == []
    [record] = caplog.records
    assert "NOT schema-validated" in record.getMessage() and str(tmp_path) in record.getMessage()
    monkeypatch.setenv("EWS_SCHEMA_DIR", str(tmp_path))
    assert schema_dir() == tmp_path
