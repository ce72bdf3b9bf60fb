"""Azure endpoints: caches, database servers with their firewall rules, virtual machines."""

from __future__ import annotations

from collections import defaultdict

from netaddr import AddrFormatError, IPAddress, iprange_to_cidrs

from vpclint.model import Cidr, Element, Endpoint, Whitelist
from vpclint.model.build import Builder
from vpclint.providers.azure.base import RANGE, State, linked_subnet
from vpclint.resources import Resource
from vpclint.values import Unknown


def _whitelist_entries(b: Builder, whitelist: Whitelist, res: Resource, start_key: str, end_key: str) -> None:
    start, end = res.values.get(start_key), res.values.get(end_key)
    origin = Element(res.address, res)
    attribute = f"{start_key}–{end_key}"
    if isinstance(start, Unknown) or isinstance(end, Unknown):
        cidr = b.cidr(whitelist, attribute, "whitelist", start if isinstance(start, Unknown) else end)
        cidr.origin = origin
        whitelist.entries.append(cidr)
        return
    try:
        low, high = IPAddress(str(start), flags=0), IPAddress(str(end), flags=0)
        if low > high:
            raise ValueError("the start address is above the end address")
        ranges = iprange_to_cidrs(low, high)
    except (AddrFormatError, ValueError, TypeError) as exc:
        cidr = Cidr(whitelist, attribute, "whitelist", text=f"{start}–{end}",
                    error=f"is not a valid address range ({exc})")
        cidr.origin = origin
        b.model.cidrs.append(cidr)
        whitelist.entries.append(cidr)
        return
    for net in ranges:
        cidr = b.cidr(whitelist, attribute, "whitelist", str(net), RANGE)
        cidr.origin = origin
        whitelist.entries.append(cidr)


def map_endpoints(b: Builder, st: State) -> None:
    caches = []
    for res in b.of_type("azurerm_redis_cache"):
        v = res.values
        subnet = linked_subnet(b, st, v.get("subnet_id"), res, "subnet_id")
        ports = [6380] + ([6379] if v.get("non_ssl_port_enabled") is True or v.get("enable_non_ssl_port") is True
                          else [])
        endpoint = Endpoint(res.address, res, kind="cache", subnet=subnet if subnet and subnet.network else None,
                            network=subnet.network if subnet is not None else None, ports=ports)
        b.model.endpoints.append(b.register(endpoint))
        st.add("caches", endpoint, res)
        caches.append(endpoint)
    cache_rules = defaultdict(list)  # id(cache) -> its firewall rules
    for rule_res in b.of_type("azurerm_redis_firewall_rule"):
        cache = st.named("caches", rule_res.values.get("redis_cache_name"), rule_res.values.get("resource_group_name"))
        cache_rules[id(cache)].append(rule_res)
    for endpoint in caches:
        if cache_rules.get(id(endpoint)):  # no rule: every client may connect
            endpoint.whitelist = Whitelist(endpoint.address, endpoint.resource)
            for rule_res in cache_rules[id(endpoint)]:
                _whitelist_entries(b, endpoint.whitelist, rule_res, "start_ip", "end_ip")
    servers = (("azurerm_postgresql_flexible_server", "azurerm_postgresql_flexible_server_firewall_rule", "database",
                5432, "delegated_subnet_id"),
               ("azurerm_mssql_server", "azurerm_mssql_firewall_rule", "database", 1433, None))
    for server_type, rule_type, kind, port, subnet_key in servers:
        public = []  # servers whose firewall rules apply
        for res in b.of_type(server_type):
            subnet = linked_subnet(b, st, res.values.get(subnet_key), res, subnet_key) if subnet_key else None
            # in a VNet the server has no public endpoint and its firewall rules do not apply;
            # otherwise clients arrive with public addresses: the rules are not about pod addresses
            endpoint = Endpoint(res.address, res, kind=kind, ports=[port],
                                network=subnet.network if subnet is not None else None)
            endpoint.subnet = subnet if subnet is not None and subnet.network is not None else None
            b.model.endpoints.append(b.register(endpoint))
            if subnet is None:
                public.append(endpoint)
        server_rules = defaultdict(list)  # id(server) -> its firewall rules
        for rule_res in b.of_type(rule_type):
            server_rules[id(b.resolve(rule_res.values.get("server_id"), rule_res, "server_id"))].append(rule_res)
        for endpoint in public:
            if server_rules.get(id(endpoint)):
                endpoint.whitelist = Whitelist(endpoint.address, endpoint.resource)
                for rule_res in server_rules[id(endpoint)]:
                    _whitelist_entries(b, endpoint.whitelist, rule_res, "start_ip_address", "end_ip_address")
    subnet_groups = defaultdict(list)  # id(subnet) -> the security groups associated with it, in model order
    for group in b.model.security_groups:
        for subnet in st.nsg_subnets.get(id(group), []):
            if group not in subnet_groups[id(subnet)]:
                subnet_groups[id(subnet)].append(group)
    for res in b.of_type("azurerm_linux_virtual_machine", "azurerm_windows_virtual_machine", "azurerm_virtual_machine"):
        nics = b.resolve_all(res.values.get("network_interface_ids"), res, "network_interface_ids")
        nic = nics[0] if nics and nics[0].address in st.nic else None
        subnet, nic_groups = st.nic[nic.address] if nic is not None else (None, [])
        endpoint = Endpoint(res.address, res, kind="instance", subnet=subnet,
                            network=subnet.network if subnet is not None else None)
        endpoint.security_groups = (subnet_groups.get(id(subnet), []) if subnet is not None else []) + list(nic_groups)
        b.model.endpoints.append(b.register(endpoint))
