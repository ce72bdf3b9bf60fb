"""Terraform's built-in functions over evaluated values, one module per family.

Importing this package registers every function in ``evaluate.FUNCTIONS``;
``base`` says how each treats unknown arguments.
"""

from vpclint.load.hcl.functions import (  # noqa: F401  (each module registers its functions)
    catalog,
    conversion,
    datetime,
    encoding,
    files,
    lists,
    network,
    numbers,
    special,
    strings,
)
from vpclint.load.hcl.functions.base import set_order
from vpclint.load.hcl.functions.encoding import from_json

__all__ = ["from_json", "set_order"]
