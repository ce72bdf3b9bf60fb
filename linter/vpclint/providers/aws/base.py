"""What every part of the AWS adapter shares: the provider's name and its range limits."""

from __future__ import annotations

from vpclint.model import CidrLimits

PROVIDER = "aws"

# docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
VPC_CIDR = CidrLimits("AWS VPC CIDR", min_prefix=16, max_prefix=28)
SUBNET_CIDR = CidrLimits("AWS subnet CIDR", min_prefix=16, max_prefix=28)
# aws eks_cluster: service_ipv4_cidr
EKS_SERVICE_CIDR = CidrLimits("EKS service_ipv4_cidr", min_prefix=12, max_prefix=24,
                              within=("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
RANGE = CidrLimits("AWS CIDR")
