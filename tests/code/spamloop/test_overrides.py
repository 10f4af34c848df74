from __future__ import annotations

import pytest

from spamloop.overrides import OverrideError, config_with_overrides, deep_merge, parse_overrides


def test_parse_overrides_nests_and_parses_yaml_values():
    assert parse_overrides(["ingest.batch_rows=1000", "seed=3", "ingest.source=s3://b/p", "publish.target="]) == {
        "ingest": {"batch_rows": 1000, "source": "s3://b/p"},
        "seed": 3,
        "publish": {"target": ""},
    }
    with pytest.raises(OverrideError, match="expected KEY=VALUE, got 'no-equals-sign'"):
        parse_overrides(["no-equals-sign"])


def test_deep_merge_keeps_the_sections_an_override_leaves_out():
    base = {"ingest": {"batch_rows": 10, "source": "a"}, "seed": 1}
    assert deep_merge(base, {"ingest": {"batch_rows": 20}}) == {"ingest": {"batch_rows": 20, "source": "a"}, "seed": 1}
    assert base["ingest"]["batch_rows"] == 10  # the base is not changed


def test_an_override_lays_over_the_environment_section_by_section(monkeypatch, tmp_path):
    monkeypatch.setenv("SPAMLOOP_INGEST__SOURCE", "s3://from-env/logs")
    config = config_with_overrides({"state_dir": tmp_path, **parse_overrides(["ingest.batch_rows=1234"])})
    assert config.ingest.batch_rows == 1234
    assert config.ingest.source == "s3://from-env/logs"
    assert config.state_dir == tmp_path
