"""Strings where the provider schema wants a bool or a number: Terraform
converts "true"/"false" and numeric strings, and refuses anything else.
vpclint reads them the same way (providers.common.convert_schema_types),
and a value Terraform refuses is unknown, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run
from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.model.build import build_model
from vpclint.providers.common import schema_value
from vpclint.values import Unknown

# two custom-mode networks (as written with a string), peered both ways, whose subnets overlap
PEERED = """
resource "google_compute_network" "apps" {
  name                    = "apps"
  auto_create_subnetworks = %(auto)s
}

resource "google_compute_subnetwork" "nodes" {
  name          = "nodes"
  region        = "europe-west1"
  network       = google_compute_network.apps.id
  ip_cidr_range = "10.10.0.0/24"
}

resource "google_compute_network" "data" {
  name                    = "data"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "db" {
  name          = "db"
  region        = "europe-west1"
  network       = google_compute_network.data.id
  ip_cidr_range = "10.10.0.0/25"
}

resource "google_compute_network_peering" "apps_data" {
  name         = "apps-data"
  network      = google_compute_network.apps.self_link
  peer_network = google_compute_network.data.self_link
}

resource "google_compute_network_peering" "data_apps" {
  name         = "data-apps"
  network      = google_compute_network.data.self_link
  peer_network = google_compute_network.apps.self_link
}
"""


@pytest.mark.parametrize("value, kind, expected", [
    ("true", "bool", True), ("false", "bool", False), (True, "bool", True),
    ("1", "bool", True), ("0", "bool", False),  # go-cty's conversion takes these too
    ("443", "number", 443), ("1.5", "number", 1.5), (8080, "number", 8080), (None, "bool", None),
])
def test_terraform_converts_these(value, kind, expected) -> None:
    converted = schema_value(value, kind)
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize("value, kind", [("yes", "bool"), ("True", "bool"), ("2", "bool"), (1, "bool"),
                                         ("80-90", "number"), (True, "number"), ([80], "number")])
def test_terraform_refuses_these_so_they_are_unknown(value, kind) -> None:
    converted = schema_value(value, kind)
    assert isinstance(converted, Unknown)
    assert converted.reason.startswith(f"Terraform refuses this value for a {kind} attribute")


def test_an_unknown_stays_the_same_unknown() -> None:
    unknown = Unknown("known after apply")
    assert schema_value(unknown, "bool") is unknown


def _auto_mode_unknowns(tmp_path: Path, auto: str) -> list[str]:
    (tmp_path / "main.tf").write_text(PEERED % {"auto": auto})
    loaded = load_module(str(tmp_path), LoadOptions())
    assert loaded.errors == []
    model, _ = build_model(loaded.resources)
    apps = next(n for n in model.networks if n.address == "google_compute_network.apps")
    return [c.unknown.reason for c in apps.cidrs if c.unknown is not None]


def test_a_string_false_makes_a_custom_mode_network(tmp_path: Path) -> None:
    assert _auto_mode_unknowns(tmp_path, '"false"') == []
    assert _auto_mode_unknowns(tmp_path, '"true"') == [
        "auto mode network: its subnets (one /20 per region in 10.128.0.0/9) are not listed"]
    assert _auto_mode_unknowns(tmp_path, '"no"') == [
        "auto_create_subnetworks is unknown (Terraform refuses this value for a bool attribute: "
        "a string cannot be used as a bool)"]


def test_a_string_false_network_is_judged_like_a_bool_false_one(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(PEERED % {"auto": '"false"'})
    report = run(tmp_path)
    assert report.errors == []
    assert sorted((f.rule_id, f.resource, f.line) for f in report.findings) == [
        ("peering_cidr_overlap", "google_compute_network_peering.apps_data", 26)]
    assert not any("auto mode" in u.reason for u in report.unknowns)


def test_a_string_priority_orders_firewall_rules_as_a_number(tmp_path: Path) -> None:
    """The allow at "1100" comes after the deny-all at 1000: pods are
    refused. Read as text, the priority was no number and the allow won."""
    text = (FIXTURES / "gcp_vpc_native_firewall" / "fixed" / "main.tf").read_text()
    text = text.replace('  priority      = 65000', '  priority      = 1000')
    text = text.replace('  direction     = "INGRESS"\n', '  direction     = "INGRESS"\n  priority      = "1100"\n')
    (tmp_path / "main.tf").write_text(text)
    assert text.splitlines()[85] == 'resource "google_compute_firewall" "db_from_nodes" {'
    report = run(tmp_path)
    assert report.errors == []
    assert sorted((f.rule_id, f.resource, f.line) for f in report.findings) == [
        ("pod_ingress_missing", "google_compute_firewall.db_from_nodes", 86)]

