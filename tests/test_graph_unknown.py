"""`vpclint graph` draws what it cannot tell as unknown (dashed, grey), never
as missing (red); a GCP network without subnets has nothing to route."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from vpclint.cli import cli

GCP_WITHOUT_SUBNETS = """
resource "google_compute_network" "a" {
  name                    = "a"
  auto_create_subnetworks = false
}
resource "google_compute_network" "b" {
  name                    = "b"
  auto_create_subnetworks = false
}
resource "google_compute_network_peering" "ab" {
  name         = "ab"
  network      = google_compute_network.a.self_link
  peer_network = google_compute_network.b.self_link
}
resource "google_compute_network_peering" "ba" {
  name         = "ba"
  network      = google_compute_network.b.self_link
  peer_network = google_compute_network.a.self_link
}
"""

# a's route to b has a destination known only from a variable without a value
AWS_UNKNOWN_ROUTE = """
variable "peer_cidr" {}
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_vpc" "b" {
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc_peering_connection" "ab" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
  auto_accept = true
}
resource "aws_route" "a_to_b" {
  route_table_id            = aws_vpc.a.main_route_table_id
  destination_cidr_block    = var.peer_cidr
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
resource "aws_route" "b_to_a" {
  route_table_id            = aws_vpc.b.main_route_table_id
  destination_cidr_block    = "10.0.0.0/16"
  vpc_peering_connection_id = aws_vpc_peering_connection.ab.id
}
"""


def graph(tmp_path: Path, text: str, *args: str) -> list[str]:
    (tmp_path / "main.tf").write_text(text)
    result = CliRunner().invoke(cli, ["graph", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_gcp_networks_without_subnets_peered_are_not_red(tmp_path: Path) -> None:
    lines = graph(tmp_path, GCP_WITHOUT_SUBNETS)
    assert lines == [
        "flowchart LR",
        '  subgraph n_google_compute_network_a["a no subnets"]',
        "  end",
        '  subgraph n_google_compute_network_b["b no subnets"]',
        "  end",
        '  n_google_compute_network_a -->|"ab: b holds no ranges"| n_google_compute_network_b',
        '  n_google_compute_network_b -->|"ab: a holds no ranges"| n_google_compute_network_a',
    ]


def test_an_unknown_route_is_dashed_and_grey_in_mermaid(tmp_path: Path) -> None:
    lines = graph(tmp_path, AWS_UNKNOWN_ROUTE)
    assert [line for line in lines if "->" in line or "linkStyle" in line] == [
        '  n_aws_vpc_a -.->|"aws_vpc_peering_connection.ab: routes unknown"| n_aws_vpc_b',
        '  n_aws_vpc_b -->|"aws_vpc_peering_connection.ab: 10.0.0.0/16"| n_aws_vpc_a',
        "  linkStyle 0 stroke:grey,color:grey",
    ]


def test_an_unknown_route_is_dashed_and_grey_in_dot(tmp_path: Path) -> None:
    lines = graph(tmp_path, AWS_UNKNOWN_ROUTE, "--format", "dot")
    assert [line for line in lines if "->" in line] == [
        '  n_aws_vpc_a -> n_aws_vpc_b [label="aws_vpc_peering_connection.ab: routes unknown", color=grey50, '
        'fontcolor=grey50, style=dashed];',
        '  n_aws_vpc_b -> n_aws_vpc_a [label="aws_vpc_peering_connection.ab: 10.0.0.0/16"];',
    ]


def test_a_known_missing_route_stays_red(tmp_path: Path) -> None:
    text = AWS_UNKNOWN_ROUTE.replace("var.peer_cidr", '"10.9.0.0/16"')
    lines = graph(tmp_path, text)
    assert [line for line in lines if "->" in line or "linkStyle" in line] == [
        '  n_aws_vpc_a -->|"aws_vpc_peering_connection.ab: 10.9.0.0/16"| n_aws_vpc_b',
        '  n_aws_vpc_b -->|"aws_vpc_peering_connection.ab: 10.0.0.0/16"| n_aws_vpc_a',
        "  linkStyle 0 stroke:red,color:red,stroke-width:2px",
    ]
