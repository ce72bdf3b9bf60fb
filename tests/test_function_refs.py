"""Functions that pass values through keep what references stand for.

For each such Terraform function, a configuration that writes a list of
ids as ``f(refs)`` lints exactly as the same configuration with the refs
written directly: the same findings (rule ids, addresses, files, lines,
messages), and no unknown the direct form does not have. The bases are
fixtures' failing forms, so the findings compared are not empty; a form
that loses the references (``upper``) must change them, so the comparison
can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, annotations, run

# the AWS base: EKS pods reach a peered database with their nodes' addresses;
# the cluster's subnet_ids (a list of ids) says which nodes
EKS = FIXTURES / "pod_ingress_missing" / "fail" / "main.tf"
EKS_LINE = "    subnet_ids = [for s in aws_subnet.eks : s.id]\n"
EKS_REFS = {"A": 'aws_subnet.eks["a"].id', "B": 'aws_subnet.eks["b"].id'}
EKS_DIRECT = "[A, B]"

LIST_FORMS = {
    "concat": "concat([A], [B])",
    "compact": 'compact([A, "", B, null])',
    "distinct": "distinct([A, B, A])",
    "flatten": "flatten([[A], [[B]]])",
    "tolist": "tolist([A, B])",
    "toset": "toset([A, B])",
    "tolist_toset": "tolist(toset([A, B]))",
    "sort": "sort([B, A])",
    "setunion": "setunion([A], [B])",
    "reverse": "reverse([B, A])",
    "slice": "slice([A, B, A], 0, 2)",
    "coalescelist": "coalescelist([], [A, B])",
    "try": "try([A, B], [])",
    "element": "[element([A, B], 0), element([A, B], 3)]",
    "one_coalesce": '[one([A]), coalesce(null, "", B)]',
    "tostring": "[tostring(A), tostring(B)]",
    "lookup_values": 'values({ a = A, b = lookup({ b = B }, "b") })',
    "merge_values": "values(merge({ a = A }, { b = B }))",
    "formatlist": 'formatlist("%s", [A, B])',
    "chunklist": "flatten(chunklist([A, B], 1))",
    "split_join": 'split(",", join(",", [A, B]))',
    "split_join_spaced": 'split(", ", join(", ", [A, B]))',
    "split_format": 'split(",", format("%s,%s", A, B))',
    "split_template": 'split(",", "${A},${B}")',
    "split_join_toset": 'split(",", join(",", toset([A, B])))',
    "split_one": 'concat(split(",", A), split(",", B))',
    "distinct_compact_concat": "distinct(compact(concat([A], [B, A])))",
}

# the Huawei base: CCE Turbo's eni_subnet_id, a comma-joined string of ids
TURBO = FIXTURES / "cce_turbo_eni_join" / "broken" / "main.tf"
TURBO_REFS = {"A": "huaweicloud_vpc_subnet.eni_a.ipv4_subnet_id", "B": "huaweicloud_vpc_subnet.eni_b.ipv4_subnet_id"}
TURBO_DIRECT = 'join(",", [A, B])'  # as Huawei's documentation writes it

STRING_FORMS = {
    "template": '"${A},${B}"',
    "format": 'format("%s,%s", A, B)',
    "join_spaced": 'join(", ", [A, B])',
    "join_concat": 'join(",", concat([A], [B]))',
    "join_compact": 'join(",", compact([A, "", B]))',
    "join_toset": 'join(",", toset([A, B]))',
    "join_distinct": 'join(",", distinct([A, B, A]))',
    "join_sort": 'join(",", sort([B, A]))',
    "join_flatten": 'join(",", flatten([[A], [B]]))',
    "join_split": 'join(",", split(",", "${A},${B}"))',
    "join_formatlist": 'join(",", formatlist("%s", [A, B]))',
    "try": 'try(join(",", [A, B]), "")',
    "tostring": 'tostring(join(",", [A, B]))',
    "coalesce": 'coalesce(join(",", [A, B]), "x")',
    "nested": 'join(",", [join(",", [A]), format("%s", B)])',
}

# forms that lose what the references stand for: the comparison must see the difference
LOSSY = {"eks": "[upper(A), upper(B)]", "turbo": 'upper(join(",", [A, B]))'}


def _text(base: Path, form: str, refs: dict) -> str:
    """``base`` with the list of ids written as ``form`` (on as many lines as before, so lines stay)."""
    expression = form.replace("A", "\0a").replace("B", "\0b").replace("\0a", refs["A"]).replace("\0b", refs["B"])
    text = base.read_text()
    if base == EKS:
        assert EKS_LINE in text
        return text.replace(EKS_LINE, f"    subnet_ids = {expression}\n")
    start = text.index("  eni_subnet_id = join(")
    end = text.index("  ])\n", start) + len("  ])\n")
    lines = text[start:end].count("\n")
    return text[:start] + f"  eni_subnet_id = {expression}\n" + "\n" * (lines - 1) + text[end:]


def _lint(tmp_path: Path, base: Path, form: str, refs: dict) -> tuple[set, set]:
    directory = tmp_path / "config"
    directory.mkdir(exist_ok=True)
    (directory / "main.tf").write_text(_text(base, form, refs))
    report = run(directory)
    assert report.errors == []
    findings = {(f.rule_id, f.resource, Path(f.file).name, f.line, f.message) for f in report.findings}
    unknowns = {(u.resource, u.attribute, u.reason) for u in report.unknowns}
    return findings, unknowns


@pytest.fixture(scope="module")
def direct(tmp_path_factory) -> dict:
    """Each base linted with its refs written directly."""
    return {"eks": _lint(tmp_path_factory.mktemp("eks"), EKS, EKS_DIRECT, EKS_REFS),
            "turbo": _lint(tmp_path_factory.mktemp("turbo"), TURBO, TURBO_DIRECT, TURBO_REFS)}


def test_the_direct_forms_find_what_the_fixtures_expect(direct: dict) -> None:
    for name, base in (("eks", EKS), ("turbo", TURBO)):
        findings, _ = direct[name]
        expected = {(rule, address, Path(file).name, line) for rule, address, file, line in annotations(base.parent)}
        assert findings and {finding[:4] for finding in findings} == expected


@pytest.mark.parametrize("name", sorted(LIST_FORMS))
def test_a_list_of_ids_through_a_function_lints_as_the_ids(direct: dict, tmp_path: Path, name: str) -> None:
    findings, unknowns = _lint(tmp_path, EKS, LIST_FORMS[name], EKS_REFS)
    assert findings == direct["eks"][0]
    assert unknowns <= direct["eks"][1]


@pytest.mark.parametrize("name", sorted(STRING_FORMS))
def test_a_joined_string_of_ids_through_a_function_lints_as_the_ids(direct: dict, tmp_path: Path, name: str) -> None:
    findings, unknowns = _lint(tmp_path, TURBO, STRING_FORMS[name], TURBO_REFS)
    assert findings == direct["turbo"][0]
    assert unknowns <= direct["turbo"][1]


@pytest.mark.parametrize("name", sorted(LOSSY))
def test_a_form_that_loses_the_references_lints_differently(direct: dict, tmp_path: Path, name: str) -> None:
    base, refs = (EKS, EKS_REFS) if name == "eks" else (TURBO, TURBO_REFS)
    findings, unknowns = _lint(tmp_path, base, LOSSY[name], refs)
    assert findings != direct[name][0]
    assert unknowns - direct[name][1]  # and says what it could not see


# ---------------------------------------------------------------------------
# what references do not make known
# ---------------------------------------------------------------------------

STAYS_UNKNOWN = [
    'length(toset([aws_subnet.a.id, aws_subnet.b.id]))',  # two ids may be one value
    'length(distinct([aws_subnet.a.id, aws_subnet.b.id]))',
    'element(sort([aws_subnet.a.id, aws_subnet.b.id]), 0)',  # where an unknown sorts is unknown
    '[for id in toset([aws_subnet.a.id]) : id]',
    'split("/", join("/", [aws_subnet.a.id, "x"]))',  # an id may hold a slash (Azure, ARNs)
    'split(",", join(",", [var.u, aws_subnet.a.id]))',  # a variable may hold a comma
    'split(",", "${aws_subnet.a.tags_all},x")',  # not an id
    'compact([var.u, aws_subnet.a.id])[1]',  # var.u may be empty: the list's length is unknown
    'coalesce(var.u, aws_subnet.a.id)',  # var.u may be empty, or not
    'coalesce(aws_subnet.a.tags_all, "x")',
    'join(",", toset([var.u, aws_subnet.a.id]))',  # an empty member would drop a separator
    'upper(aws_subnet.a.id)',
    'format("%5s", aws_subnet.a.id)',
    'try("${aws_subnet.a.tags_all}", "")',  # a map in a template fails once known
]


@pytest.fixture(scope="module")
def unknown_values(tmp_path_factory) -> dict:
    from vpclint.load.hcl import LoadOptions, load_module

    directory = tmp_path_factory.mktemp("stays")
    body = "\n".join(f"  v{i} = {expression}" for i, expression in enumerate(STAYS_UNKNOWN))
    (directory / "main.tf").write_text('variable "u" {}\nresource "aws_subnet" "a" {}\nresource "aws_subnet" "b" {}\n'
                                       f'resource "t" "r" {{\n{body}\n}}\n')
    result = load_module(str(directory), LoadOptions())
    assert result.errors == []
    return {r.address: r for r in result.resources}["t.r"].values


@pytest.mark.parametrize("index", range(len(STAYS_UNKNOWN)), ids=STAYS_UNKNOWN)
def test_what_references_cannot_tell_stays_unknown(unknown_values: dict, index: int) -> None:
    from vpclint.values import Members, Unknown, id_elements

    value = unknown_values[f"v{index}"]
    assert isinstance(value, Unknown)
    if not isinstance(value, Members):  # a set's members link; nothing else splits into references
        assert id_elements(value) == [value]
