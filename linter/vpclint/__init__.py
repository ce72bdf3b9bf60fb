"""vpclint: a static policy linter for Terraform networks."""

__version__ = "0.1.0"
