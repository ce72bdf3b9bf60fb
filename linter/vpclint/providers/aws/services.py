"""Kubernetes Services on EKS: which AWS controller exposes a LoadBalancer Service, and how."""

from __future__ import annotations

from typing import Any

from vpclint.values import Unknown

# Which of the two controllers reconciles a Service decides which annotations count:
# * the AWS Load Balancer Controller takes a Service with spec.loadBalancerClass "service.k8s.aws/nlb" (v2.4+)
#   or the annotation aws-load-balancer-type: "external" (target type from aws-load-balancer-nlb-target-type);
#   its aws-load-balancer-scheme defaults to "internal", and the deprecated aws-load-balancer-internal counts
#   only when -scheme is absent (kubernetes-sigs/aws-load-balancer-controller docs/guide/service/nlb.md and
#   docs/guide/service/annotations.md, https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/
#   guide/service/annotations/). Since v2.6 it puts loadBalancerSourceRanges on a frontend security group of
#   the NLB and manages the backend rules on the nodes itself (docs/deploy/security_groups.md) unless
#   aws-load-balancer-manage-backend-security-group-rules is "false"; with aws-load-balancer-security-groups
#   set the ranges are ignored. Client IP preservation is on for instance targets, off for ip targets
#   (target-group attribute preserve_client_ip.enabled; "Protocols" in nlb.md).
# * the in-tree cloud provider takes a Service without loadBalancerClass; aws-load-balancer-type "nlb" makes
#   an NLB, anything else a Classic ELB ("external" and "nlb-ip" are left to the controller above);
#   aws-load-balancer-internal with any non-empty value but "false" makes it internal, the default is
#   internet-facing (kubernetes/cloud-provider-aws pkg/providers/v1/aws_loadbalancer.go isNLB, isLBExternal;
#   aws.go EnsureLoadBalancer). For an NLB it writes the client rules from loadBalancerSourceRanges (default
#   0.0.0.0/0) and health-check rules from the NLB subnets into the nodes' security group
#   (updateInstanceSecurityGroupsForNLB); for a Classic ELB the ranges go to the ELB's own security group.
_AWS_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"
LBC_CLASS = "service.k8s.aws/nlb"


def service_exposure(service: Any, model: Any, loaded: Any) -> Any:
    """How the AWS controllers expose a LoadBalancer Service (see the notes above)."""
    from vpclint.model import Exposure
    from vpclint.services import annotation

    def note(key: str) -> Any:
        return annotation(service, _AWS_ANNOTATION + key)

    lb_class, lb_type = service.load_balancer_class, note("type")
    if isinstance(lb_class, Unknown) or isinstance(lb_type, Unknown):
        return Exposure("AWS (controller not known)", internal=Unknown("loadBalancerClass or aws-load-balancer-type "
                                                                      "is not known before apply"),
                        notes=["which AWS controller reconciles the Service is not known before apply"])
    if lb_class == LBC_CLASS or (lb_class is None and lb_type == "external"):
        scheme, internal_flag = note("scheme"), note("internal")
        if isinstance(scheme, Unknown):
            internal: Any = scheme
        elif scheme is not None:
            internal = scheme != "internet-facing"
        elif isinstance(internal_flag, Unknown):
            internal = internal_flag
        elif internal_flag is not None:
            internal = internal_flag.lower() != "false"
        else:
            internal = True  # the controller's default scheme
        target = note("nlb-target-type") or "instance"
        preserve = note("target-group-attributes")
        keeps: Any = target == "instance"
        if isinstance(target, Unknown) or isinstance(preserve, Unknown):
            keeps = Unknown("the NLB target type or target-group attributes are not known before apply")
        elif isinstance(preserve, str) and "preserve_client_ip.enabled=" in preserve.replace(" ", ""):
            keeps = "preserve_client_ip.enabled=true" in preserve.replace(" ", "").lower()
        managed = note("manage-backend-security-group-rules")
        own_groups = note("security-groups")
        return Exposure(f"AWS Load Balancer Controller (NLB, {target} targets)", internal=internal, keeps_client=keeps,
                        ranges_enforced=own_groups if isinstance(own_groups, Unknown) else own_groups is None,
                        ranges_where="the NLB's frontend security group",
                        node_rules_managed=not (isinstance(managed, str) and managed.lower() == "false"),
                        lb_sources_label="the NLB's subnets")
    if lb_class is not None:
        return Exposure(f"loadBalancerClass {lb_class}", internal=Unknown(f"loadBalancerClass {lb_class} is reconciled "
                                                                         "by a controller vpclint does not model"),
                        notes=[f"loadBalancerClass {lb_class}: its controller is not modelled"])
    flag = note("internal")
    internal = flag if isinstance(flag, Unknown) else (flag is not None and flag != "" and flag.lower() != "false")
    if lb_type == "nlb":
        return Exposure("in-tree AWS cloud provider (NLB)", internal=internal, keeps_client=True,
                        ranges_where="the rules the cloud provider writes into the nodes' security group",
                        node_rules_managed=True, lb_sources_label="the NLB's subnets")
    return Exposure("in-tree AWS cloud provider (Classic ELB)", internal=internal, keeps_client=False,
                    ranges_where="the Classic ELB's security group", node_rules_managed=True,
                    lb_sources_label="the ELB's security group")
