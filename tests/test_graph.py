"""`vpclint graph`: topology as Mermaid and DOT, failing hops in red."""

from __future__ import annotations

from click.testing import CliRunner

from conftest import FIXTURES
from vpclint.cli import cli

BROKEN = FIXTURES / "seed000_cross_vpc" / "broken"
FIXED = FIXTURES / "seed000_cross_vpc" / "fixed"


def graph(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["graph", *args])
    return result.exit_code, result.output


def test_mermaid_draws_networks_peering_routes_and_the_missing_pod_route_in_red() -> None:
    code, out = graph(str(BROKEN), "--config", str(BROKEN / ".vpclint.yaml"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  subgraph n_huaweicloud_vpc_demo["vpc-demo 192.168.0.0/16"]' in lines
    assert '    n_huaweicloud_cce_cluster_demo(["demo<br/>vpc-router: 10.0.0.0/16"])' in lines
    edges = [line for line in lines if "-->" in line or "-.->" in line]
    assert edges == [
        '  n_huaweicloud_vpc_demo -->|"peering-demo: 10.1.0.0/16"| n_huaweicloud_vpc_demo2',
        '  n_huaweicloud_vpc_demo2 -->|"peering-demo: 192.168.0.0/16"| n_huaweicloud_vpc_demo',
        '  n_huaweicloud_vpc_demo2 -->|"no route back to pods 10.0.0.0/16"| n_huaweicloud_cce_cluster_demo',
        '  n_huaweicloud_cce_cluster_demo -.->|"expect tcp/8080: return route fails at demo2-rt"| '
        'n_huaweicloud_compute_instance_server',
    ]
    assert [line for line in lines if "linkStyle" in line] == [
        "  linkStyle 2 stroke:red,color:red,stroke-width:2px", "  linkStyle 3 stroke:red,color:red,stroke-width:2px"]


def test_fixed_network_has_no_red() -> None:
    code, out = graph(str(FIXED), "--config", str(FIXED / ".vpclint.yaml"))
    assert code == 0
    assert "linkStyle" not in out
    assert '-->|"peering-demo: 10.0.0.0/16, 192.168.0.0/16"| n_huaweicloud_vpc_demo' in out


def test_dot_marks_the_failing_route_red() -> None:
    code, out = graph(str(BROKEN), "--format", "dot")
    assert code == 0 and out.startswith("digraph vpclint {")
    assert ('  n_huaweicloud_vpc_demo2 -> n_huaweicloud_cce_cluster_demo [label="no route back to pods 10.0.0.0/16", '
            'color=red, fontcolor=red, penwidth=2];') in out.splitlines()


def test_graph_of_unparsable_input_exits_2_naming_the_file(tmp_path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_vpc" "a" {\n  cidr_block = \n}\n')
    code, out = graph(str(tmp_path))
    assert code == 2
    assert f"{tmp_path.name}/main.tf:" in out or "main.tf:" in out


def test_hubs_are_nodes_and_a_missing_hub_route_is_red_on_the_edge_it_breaks() -> None:
    broken = FIXTURES / "transit_batfish_tgw_peering" / "broken"
    code, out = graph(str(broken), "--config", str(broken / ".vpclint.yaml"))
    assert code == 0
    lines = out.splitlines()
    assert '  n_aws_ec2_transit_gateway_bat{{"aws_ec2_transit_gateway.bat<br/>transit gateway"}}' in lines
    edges = [line for line in lines if "-->" in line]
    red = {int(line.split()[1]) for line in lines if "linkStyle" in line}
    failing = [edges[i] for i in sorted(red) if i < len(edges)]
    assert failing == [
        '  n_aws_vpc_bat -->|"aws_ec2_transit_gateway_vpc_attachment.bat → aws_ec2_transit_gateway.bat '
        '(default route table): no route for 192.168.0.0/16"| n_aws_ec2_transit_gateway_bat',
        '  n_aws_vpc_fish -->|"aws_ec2_transit_gateway_vpc_attachment.fish → aws_ec2_transit_gateway.fish '
        '(default route table): no route for 10.10.0.0/16"| n_aws_ec2_transit_gateway_fish',
        '  n_aws_ec2_transit_gateway_fish -->|"aws_ec2_transit_gateway_peering_attachment.bat_fish: active: '
        'no route for 10.20.0.0/16"| n_aws_ec2_transit_gateway_bat',
    ]
    fixed = FIXTURES / "transit_batfish_tgw_peering" / "fixed"
    code, out = graph(str(fixed), "--config", str(fixed / ".vpclint.yaml"))
    assert code == 0 and "linkStyle" not in out and "{{" in out
