"""A configured attribute whose value is unknown still names its resource."""

from __future__ import annotations

from pathlib import Path

from vpclint.load import LoadOptions
from vpclint.load.hcl import load_module
from vpclint.model.build import build_model
from vpclint.values import Ref, Unknown

MAIN = '''
resource "random_id" "prefix" {
  byte_length = 4
}

resource "azurerm_virtual_network" "main" {
  name                = "${random_id.prefix.hex}-vnet"
  resource_group_name = "rg"
  location            = "westeurope"
  address_space       = ["10.52.0.0/16"]
}

resource "azurerm_subnet" "nodes" {
  name                 = "nodes"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = ["10.52.0.0/20"]
}
'''


def test_reading_an_unknown_configured_attribute_gives_a_ref(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN)
    loaded = load_module(str(tmp_path), LoadOptions())
    values = {r.address: r.values for r in loaded.resources}
    # the resource's own value stays a plain unknown ...
    own = values["azurerm_virtual_network.main"]["name"]
    assert isinstance(own, Unknown) and not isinstance(own, Ref)
    # ... while a reference to it from elsewhere keeps the address
    link = values["azurerm_subnet.nodes"]["virtual_network_name"]
    assert isinstance(link, Ref) and (link.address, link.attr) == ("azurerm_virtual_network.main", "name")
    model, _ = build_model(loaded.resources)
    (subnet,) = model.subnets
    assert subnet.network is not None and subnet.network.address == "azurerm_virtual_network.main"


def test_join_of_one_reference_is_that_reference(tmp_path: Path) -> None:
    """The idiom of modules that may or may not create a VPC (`count = var.vpc_id == "" ? 1 : 0`): joining the
    splat of its ids gives that one id, so the vSwitch stays linked to its VPC (a subnet outside it is found)."""
    (tmp_path / "main.tf").write_text('''
variable "vpc_id" {
  default = ""
}
resource "alicloud_vpc" "vpc" {
  count      = var.vpc_id == "" ? 1 : 0
  cidr_block = "172.16.0.0/12"
}
resource "alicloud_vswitch" "vswitch" {
  vpc_id     = var.vpc_id == "" ? join("", alicloud_vpc.vpc.*.id) : var.vpc_id
  cidr_block = "10.9.1.0/24"
  zone_id    = "cn-hangzhou-i"
}
resource "alicloud_vswitch" "two" {
  vpc_id     = join(",", [alicloud_vpc.vpc[0].id, "vpc-other"])
  cidr_block = "172.16.1.0/24"
  zone_id    = "cn-hangzhou-i"
}
''')
    loaded = load_module(str(tmp_path), LoadOptions())
    values = {r.address: r.values for r in loaded.resources}
    linked = values["alicloud_vswitch.vswitch"]["vpc_id"]
    assert isinstance(linked, Ref) and linked.address == "alicloud_vpc.vpc[0]" and linked.attr == "id"
    joined = values["alicloud_vswitch.two"]["vpc_id"]  # two elements, one unknown: the string is unknown
    assert isinstance(joined, Unknown) and not isinstance(joined, Ref)
    model, _ = build_model(loaded.resources)
    (subnet,) = [s for s in model.subnets if s.address == "alicloud_vswitch.vswitch"]
    assert subnet.network is not None and subnet.network.address == "alicloud_vpc.vpc[0]"
