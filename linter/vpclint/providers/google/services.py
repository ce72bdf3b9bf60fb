"""GCP endpoints: Compute instances, Cloud SQL and Memorystore for Redis."""

from __future__ import annotations

from vpclint.model import Endpoint, Network, Subnet
from vpclint.model.build import Builder
from vpclint.providers.common import first, given
from vpclint.providers.google.base import RANGE, State
from vpclint.providers.google.clusters import node_labels
from vpclint.providers.google.network import firewall_group
from vpclint.values import Unknown

_SQL_PORTS = (("POSTGRES", 5432), ("MYSQL", 3306), ("SQLSERVER", 1433))


def map_endpoints(b: Builder, st: State) -> None:
    for res in b.of_type("google_compute_instance"):
        v = res.values
        nic = first(v.get("network_interface"))
        nic = nic if isinstance(nic, dict) else {}
        subnet = st.link("subnetworks", nic.get("subnetwork"), res, "network_interface.subnetwork",
                         region=v.get("zone"))
        subnet = subnet if isinstance(subnet, Subnet) else None
        net = st.link("networks", nic.get("network"), res, "network_interface.network") if given(
            nic.get("network")) else None
        net = net if isinstance(net, Network) else (subnet.network if subnet is not None else None)
        endpoint = Endpoint(res.address, res, kind="instance", network=net, subnet=subnet)
        if net is not None and id(net) in st.firewalls:
            labels = node_labels([{"tags": v.get("tags"),
                                    "service_account": first(v.get("service_account")).get("email")
                                    if isinstance(first(v.get("service_account")), dict) else None}])
            if not isinstance(labels, Unknown):  # else: which rules apply is unknown
                endpoint.security_groups = [firewall_group(b, st, net, frozenset(labels))]
        b.model.endpoints.append(b.register(endpoint))
    for res in b.of_type("google_sql_database_instance"):
        v = res.values
        settings = first(v.get("settings"))
        ip = first(settings.get("ip_configuration")) if isinstance(settings, dict) else {}
        private = ip.get("private_network") if isinstance(ip, dict) else None
        net = st.link("networks", private, res, "settings.ip_configuration.private_network") if given(private) else None
        version = v.get("database_version")
        ports = [port for prefix, port in _SQL_PORTS if isinstance(version, str) and version.upper().startswith(prefix)]
        endpoint = Endpoint(res.address, res, kind="database", network=net if isinstance(net, Network) else None,
                            ports=ports)
        b.model.endpoints.append(b.register(endpoint))
    for res in b.of_type("google_redis_instance"):
        v = res.values
        net = st.link("networks", v.get("authorized_network"), res, "authorized_network") if given(
            v.get("authorized_network")) else st.link("networks", "default", res, "authorized_network")
        endpoint = Endpoint(res.address, res, kind="cache", network=net if isinstance(net, Network) else None,
                            ports=[v.get("port") if isinstance(v.get("port"), int) else 6379])
        reserved = v.get("reserved_ip_range")
        if isinstance(reserved, str) and "/" in reserved:
            endpoint.address_ip = b.cidr(endpoint, "reserved_ip_range", "reserved", reserved, RANGE)
        b.model.endpoints.append(b.register(endpoint))
