"""The compendium says under which terms it may be reused, and how to cite it."""
from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_citation_cff_is_valid_yaml_naming_the_compendium_and_the_study():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert {"message", "title", "authors"} <= set(cff)
    assert cff["authors"] == [{"name": "The carerates compendium contributors"}]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["license"] == project["license"] and str(cff["version"]) == project["version"]
    assert str(cff["date-released"]) and cff["version"]
    # the address is a placeholder until the repository is public, and says so
    for key in ("url", "repository-code"):
        assert cff[key].startswith("https://") and "PLACEHOLDER" in cff[key]
    assert "placeholder" in cff["message"]
    [study] = [r for r in cff["references"] if "children looked after" in r["title"]]
    assert study["year"] == 2018 and "2012-2017" in study["title"]
    assert [a["family-names"] for a in study["authors"]] == ["Wijedasa", "Warner", "Scourfield"]


def test_licences_of_code_and_outputs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"  # an SPDX expression (a table makes setuptools warn)
    assert project["license-files"] == ["LICENSE"]
    code = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License") and "LICENSE-outputs" in code
    outputs = (ROOT / "LICENSE-outputs").read_text(encoding="utf-8")
    assert "CC BY 4.0" in outputs and "Open Government Licence v3.0" in outputs
    assert "figures/" in outputs and "notebooks/" in outputs
