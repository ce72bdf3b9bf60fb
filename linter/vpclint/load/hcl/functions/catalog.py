"""Every function Terraform documents, and why the few vpclint leaves unknown stay so.

``DOCUMENTED`` is the function list of Terraform's language documentation
(https://developer.hashicorp.com/terraform/language/functions, the
navigation of the v1.10 docs: hashicorp/terraform
``website/data/language-nav-data.json`` plus ``ephemeralasnull``, new in
1.10). tests/test_hcl_functions_catalog.py checks that each one is
registered, and the README's "Terraform functions" section lists
``STAY_UNKNOWN`` with the same reasons.
"""

from __future__ import annotations

from vpclint.load.hcl.evaluate import FUNCTIONS, EvalError
from vpclint.load.hcl.functions.base import _unsupported

SOURCE = "https://developer.hashicorp.com/terraform/language/functions"

DOCUMENTED = (
    # numeric
    "abs", "ceil", "floor", "log", "max", "min", "parseint", "pow", "signum",
    # string
    "chomp", "endswith", "format", "formatlist", "indent", "join", "lower", "regex", "regexall", "replace",
    "split", "startswith", "strcontains", "strrev", "substr", "templatestring", "title", "trim", "trimprefix",
    "trimsuffix", "trimspace", "upper",
    # collection
    "alltrue", "anytrue", "chunklist", "coalesce", "coalescelist", "compact", "concat", "contains", "distinct",
    "element", "flatten", "index", "keys", "length", "list", "lookup", "map", "matchkeys", "merge", "one",
    "range", "reverse", "setintersection", "setproduct", "setsubtract", "setunion", "slice", "sort", "sum",
    "transpose", "values", "zipmap",
    # encoding
    "base64decode", "base64encode", "base64gzip", "csvdecode", "jsondecode", "jsonencode", "textdecodebase64",
    "textencodebase64", "urlencode", "yamldecode", "yamlencode",
    # filesystem
    "abspath", "dirname", "pathexpand", "basename", "file", "fileexists", "fileset", "filebase64",
    "templatefile",
    # date and time
    "formatdate", "plantimestamp", "timeadd", "timecmp", "timestamp",
    # hash and crypto
    "base64sha256", "base64sha512", "bcrypt", "filebase64sha256", "filebase64sha512", "filemd5", "filesha1",
    "filesha256", "filesha512", "md5", "rsadecrypt", "sha1", "sha256", "sha512", "uuid", "uuidv5",
    # IP network
    "cidrhost", "cidrnetmask", "cidrsubnet", "cidrsubnets",
    # type conversion
    "can", "ephemeralasnull", "issensitive", "nonsensitive", "sensitive", "tobool", "tolist", "tomap",
    "tonumber", "toset", "tostring", "try", "type",
    # Terraform-specific (the built-in provider "terraform")
    "provider::terraform::encode_tfvars", "provider::terraform::decode_tfvars",
    "provider::terraform::encode_expr",
)

# what vpclint leaves unknown, and why (the README lists the same)
STAY_UNKNOWN = {
    "timestamp": "timestamp() is known only after apply",
    "uuid": "uuid() is known only after apply",
    "bcrypt": "bcrypt() is known only after apply (a random salt each run)",
    "plantimestamp": "plantimestamp() is the time the plan is made",
    "base64gzip": "base64gzip(): the compressed bytes are those of Go's compress/flate, which vpclint does not "
                  "reproduce",
    "rsadecrypt": "rsadecrypt() decrypts a secret with a private key; vpclint does not decrypt",
    "provider::terraform::encode_tfvars": "provider::terraform::encode_tfvars is not evaluated by vpclint",
    "provider::terraform::decode_tfvars": "provider::terraform::decode_tfvars is not evaluated by vpclint",
    "provider::terraform::encode_expr": "provider::terraform::encode_expr is not evaluated by vpclint",
}

# documented, yet an error in a configuration as in Terraform (and so unknown, with the message as reason)
ERRORS = {
    "type": "type() is only available in terraform console",
    "list": "the list() function was removed in Terraform v0.12; write a list as [a, b]",
    "map": "the map() function was removed in Terraform v0.12; write a map as {a = b}",
}

# registered as special forms (functions/special.py), not in FUNCTIONS
SPECIAL = ("can", "try")

for _name, _reason in STAY_UNKNOWN.items():
    _unsupported(_name, _reason)


def _error(message: str):
    def call(args: list, current) -> None:
        raise EvalError(message)

    return call


for _name, _message in ERRORS.items():
    FUNCTIONS[_name] = _error(_message)
