"""One lint run: load each input, build its model, run the rules, collect."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import shutil
from dataclasses import dataclass, field, replace
from typing import Iterable, Iterator, TextIO

from netaddr import AddrFormatError, IPNetwork

from vpclint import baseline as baselines
from vpclint.analysis.paths import path_unknowns
from vpclint.config import Config
from vpclint.downloaded import downloaded_test, relocate
from vpclint.engine.rules import Rule, load_rules
from vpclint.engine.run import run_rules
from vpclint.findings import SEVERITY_RANK, Finding, display_path, group_instances, instance_base
from vpclint.inputs import outside, run_root
from vpclint.load import (
    CHANGED_SUFFIXES, CONFIG_SUFFIXES, LoadOptions, config_files, load_path, sniff, terraform_json,
)
from vpclint.model import Cidr, Cluster, Expectation, Model, Range, Service
from vpclint.model.build import build_model
from vpclint.model.join import merge
from vpclint.policies.build import build_policies
from vpclint.reporters import escape
from vpclint.resources import LoadError, LoadResult, Span, UnknownNote
from vpclint.services import build_services
from vpclint.suppress import UNUSED_IGNORE, Suppressor
from vpclint.taint import Taint


@dataclass
class Settings:
    paths: list[str]
    recursive: bool = False
    load: LoadOptions = field(default_factory=LoadOptions)
    config: Config = field(default_factory=Config)
    rule_dirs: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    baseline: str | None = None  # --baseline FILE: findings recorded there are not reported
    write_baseline: str | None = None  # --write-baseline FILE: record this run's findings there
    progress: "Progress | None" = None  # shows which input is being linted (a terminal's stderr)
    workers: int | None = None  # processes parsing HCL (--jobs); None: one per CPU available
    inline_ignores: bool = True  # --no-inline-ignores: vpclint-ignore comments suppress nothing
    exclude: list[str] = field(default_factory=list)  # --exclude and the config's: directories --recursive skips
    # --with and the config's with: inputs whose resources join each PATH's network
    with_paths: list[str] = field(default_factory=list)
    # each --with input loaded once per run, however many PATHs it joins
    joined: dict[str, LoadResult] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Origin:
    """Where a finding came from, for reporters: the input linted and the module calls."""

    input: str
    call_sites: tuple[Span, ...] = ()


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    unknowns: list[UnknownNote] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    # PATHs that held nothing to lint (no .tf, .tf.json, plan, state or policy file): a run that
    # lints nothing must not pass for a clean one
    empty: list[str] = field(default_factory=list)
    baseline: baselines.BaselineStats | None = None  # set when --baseline/--write-baseline is used
    suppressed_inline: int = 0  # findings hidden by vpclint-ignore comments
    origins: dict[int, Origin] = field(default_factory=dict, repr=False)  # id(finding) -> Origin
    models: list[tuple[str, Model]] = field(default_factory=list, repr=False)  # (input, model), for pictures
    # what the loads marked secret (taint.py): a reporter drawing the models redacts with it
    secrets: Taint = field(default_factory=Taint, repr=False)

    def origin(self, finding: Finding) -> Origin | None:
        return self.origins.get(id(finding))

    def failed(self, minimum: str) -> bool:
        return any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[minimum] for f in self.findings)


def discover(path: str, recursive: bool, exclude: Iterable[str] = ()) -> list[str]:
    """The inputs PATH stands for: itself, or under --recursive every directory
    below it holding .tf (or .tf.json) files or Kubernetes policy manifests,
    and every Terraform plan or state JSON file below it, each an input of its
    own (skipping .terraform/, hidden files and directories and those an
    ``exclude`` glob matches, with everything below them)."""
    if not recursive or not os.path.isdir(path):
        return [path]
    from vpclint.load.manifests import manifest_files

    patterns = [p.replace(os.sep, "/") for p in exclude]
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not _excluded(os.path.join(root, d), patterns))
        if any(name.endswith(CONFIG_SUFFIXES) for name in files) or manifest_files(root):
            found.append(root)
        found.extend(os.path.join(root, name) for name in sorted(files)
                     if name.lower().endswith(".json") and not name.startswith(".")
                     and terraform_json(os.path.join(root, name)))
    return found


def _excluded(directory: str, patterns: list[str]) -> bool:
    if not patterns:
        return False
    relative = os.path.normpath(os.path.relpath(directory)).replace(os.sep, "/")
    return any(fnmatch.fnmatchcase(relative, pattern) for pattern in patterns)


def changed_file_targets(files: list[str]) -> list[str]:
    """The root modules holding changed files, each once (``check --pre-commit``).

    pre-commit passes the changed ``.tf``/``.tfvars`` files (or their JSON
    forms); each directory that holds ``.tf`` or ``.tf.json`` files and one
    of them is linted once, as a root module.
    Other files, and directories under ``.terraform/``, are skipped.
    """
    targets = set()
    for name in files:
        if not name.endswith(CHANGED_SUFFIXES):
            continue
        directory = os.path.dirname(name) or "."
        if ".terraform" in os.path.normpath(directory).split(os.sep):
            continue
        if config_files(directory):
            targets.add(directory)
    return sorted(targets)


def select_rules(rules: list[Rule], settings: Settings) -> list[Rule]:
    """Apply config enablement and severity, then --enable-rule/--disable-rule."""
    selected = []
    for rule in rules:
        options = settings.config.rules.get(rule.id, {})
        enabled = options.get("enabled", True)
        if rule.id in settings.enable:
            enabled = True
        if rule.id in settings.disable:
            enabled = False
        if enabled:
            if "severity" in options:
                rule.severity = options["severity"]
                rule.severity_configured = True
            selected.append(rule)
    return selected


def expectations(model: Model, config: Config, matched: set[int]) -> list[Expectation]:
    """The config's ``expect:`` entries whose endpoints this model holds.

    ``from:`` a cluster, an instance, a subnet or a CIDR; ``to:`` an
    instance, a managed service, a load balancer, a Kubernetes Service, a
    subnet or a CIDR. An entry of two CIDRs belongs to a model that holds
    one of them.
    """
    ends = {e.address: e for e in [*model.endpoints, *model.subnets]}
    targets = {**ends, **{s.address: s for s in model.services}}
    sources = {**ends, **{c.address: c for c in model.clusters}}
    found = []
    for index, entry in enumerate(config.expect):
        source = sources.get(entry["from"]) or cidr_endpoint(model, entry["from"], config)
        target = targets.get(entry["to"]) or cidr_endpoint(model, entry["to"], config)
        if source is None or target is None or (source.resource is None and target.resource is None
                                                and not getattr(source, "networks", None)
                                                and not getattr(target, "networks", None)):
            continue
        matched.add(index)
        port = entry.get("port")
        if port is None and isinstance(target, Service) and isinstance(target.ports, list) and target.ports:
            port = target.ports[0].port
        elif port is None and getattr(target, "ports", None):
            port = target.ports[0]
        policies = config.cluster_policies(source.address, model.policies, len(model.clusters) == 1) \
            if isinstance(source, Cluster) else []
        found.append(Expectation(f"expect[{index}]", None, source=source, target=target, port=port,
                                 protocol=entry.get("protocol", "tcp"), config_file=config.path, index=index,
                                 policies=policies, pods=entry.get("pods", {})))
    return found


def cidr_endpoint(model: Model, text: str, config: Config | None = None) -> Range | None:
    """A CIDR an expectation names, placed in the network (and subnet) of the
    model whose address space holds it, else in the network a ``networks:``
    entry holding it is attached to (or the name of such an entry: its first
    CIDR); None when ``text`` is neither."""
    networks = config.networks if config is not None else {}
    try:
        net = IPNetwork(text, flags=0) if "/" in text else None
    except (AddrFormatError, ValueError, TypeError):
        net = None
    if net is None and text in networks:
        net = networks[text]["cidrs"][0]
    if net is None:
        return None
    endpoint = Range(text, None)
    endpoint.address_ip = Cidr(endpoint, "cidr", "range", text=str(net), net=net)
    endpoint.networks = [n for n in model.networks if any(c.net is not None and net in c.range for c in n.cidrs)]
    if not endpoint.networks:
        for name, entry in networks.items():
            attached = next((n for n in model.networks if n.address == entry["attached_to"]), None)
            if attached is not None and any(net in cidr for cidr in entry["cidrs"]):
                endpoint.lands, endpoint.networks = name, [attached]
                break
    subnets = [s for s in model.subnets if s.cidr is not None and s.cidr.net is not None and net in s.cidr.range]
    endpoint.subnet = subnets[0] if len(subnets) == 1 else None
    if endpoint.subnet is not None:
        endpoint.network = endpoint.subnet.network
    elif len(endpoint.networks) == 1:
        endpoint.network = endpoint.networks[0]
    return endpoint


def _loaded_with(path: str, target: str) -> bool:
    """Whether loading ``target`` already read ``path`` (itself, or a file directly in it)."""
    path, target = os.path.abspath(path), os.path.abspath(target)
    return path == target or (os.path.isfile(path) and os.path.dirname(path) == target)


class Progress:
    """``[12/78] examples/complete`` on a terminal, rewritten in place and
    cleared at the end; nothing for a single input."""

    def __init__(self, stream: TextIO, width: int | None = None):
        self.stream = stream
        self.width = width or shutil.get_terminal_size((80, 24)).columns
        self.shown = False

    def update(self, number: int, total: int, target: str) -> None:
        if total < 2:
            return
        line = f"[{number}/{total}] {escape.line(target)}"  # a directory's name cannot drive the terminal
        if len(line) >= self.width:  # a wrapped line cannot be rewritten in place
            line = line[: max(self.width - 2, 1)] + "…"
        self.stream.write(f"\r\x1b[K{line}")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


@contextlib.contextmanager
def _parse_ahead(settings: Settings, targets: list[str]) -> Iterator[None]:
    """Parse the HCL files of every input, and of the local modules they
    call, in worker processes while the inputs are linted one by one; each
    distinct file is parsed once per run."""
    kinds = [(target, sniff(target)) for target in targets]
    directories = [target for target, kind in kinds if kind == "hcl-dir"]
    files = [target for target, kind in kinds if kind == "hcl-file"]
    if not directories and not files:  # plans and manifests only: the parser is never needed
        yield
        return
    from vpclint.load.hcl import results
    from vpclint.load.hcl.cache import session

    cache_dir = settings.load.cache_dir
    with session(cache_dir, settings.workers) as run:
        if cache_dir:  # a module the result cache serves needs no parsing
            for directory in list(directories):
                key = results.entry_key(directory, settings.load, None)
                found = results.lookup(cache_dir, key)
                if found is not None:
                    run.loaded[key] = found
                    directories.remove(directory)
        run.prefetch(directories, files)
        yield


def models(settings: Settings, matched: set[int], targets: list[str] | None = None):
    """Each input's (path, LoadResult, Model, unknowns), expectations attached.

    ``matched`` collects the indexes of the config's expectations some input
    holds; ``targets`` are the inputs, when already discovered.
    """
    if targets is None:
        targets = [target for path in settings.paths for target in discover(path, settings.recursive, settings.exclude)]
    with _parse_ahead(settings, [*targets, *settings.with_paths]), _finally(settings.progress):
        for number, target in enumerate(targets, 1):
            if settings.progress is not None:
                settings.progress.update(number, len(targets), target)
            try:
                loaded, model, unknowns = _input_model(target, settings, matched)
            except Exception as exc:  # a bug costs this input (exit 2), never the other inputs
                loaded, model, unknowns = LoadResult(files=[target]), Model(), []
                loaded.errors.append(LoadError(target, None, f"internal error in vpclint: {type(exc).__name__}: "
                                               f"{exc}; this input was not linted (please report it)"))
            yield target, loaded, model, unknowns


def _input_model(target: str, settings: Settings, matched: set[int]) -> tuple[LoadResult, Model, list[UnknownNote]]:
    why = _found_out_of_repository(target, settings)
    if why is not None:
        loaded = LoadResult(files=[target])
        loaded.errors.append(LoadError(target, None, f"plan or state {why}; name it as a PATH to lint it"))
        return loaded, Model(), []
    loaded = load_path(target, settings.load)
    joining = [extra for extra in settings.with_paths if not _loaded_with(extra, target)]
    for extra in joining:
        if extra not in settings.joined:
            settings.joined[extra] = load_path(extra, settings.load)
    merge(loaded, [(settings.joined[extra], display_path(extra)) for extra in joining])
    model, unknowns = build_model(loaded.resources, settings.config, loaded.unknowns, loaded.outputs, loaded.manifests)
    unknowns = [*unknowns, *build_policies(model, loaded)]  # Kubernetes / Calico network policies
    unknowns.extend(build_services(model, loaded, settings.config))
    for extra in settings.config.policy_paths([c.address for c in model.clusters]):
        if not _loaded_with(extra, target):  # the policies (and Services) of this input's clusters kept elsewhere
            more = load_path(extra, settings.load)
            loaded.errors.extend(more.errors)
            unknowns.extend(build_policies(model, more))
            unknowns.extend(build_services(model, more, settings.config))
    model.expectations = expectations(model, settings.config, matched)
    unknowns.extend(path_unknowns(model))  # paths no hop fails but some hop cannot decide
    return loaded, model, unknowns


def _found_out_of_repository(target: str, settings: Settings) -> str | None:
    """Why a plan or state --recursive found may not be read, or None: a link out of the repository (a
    committed ``plan.json -> $RUNNER_TEMP/state.json``) is no input of the pull request's; a file named
    on the command line is the runner's choice, read wherever it is (inputs.py)."""
    if target in settings.paths or not os.path.isfile(target):
        return None
    return outside(os.path.realpath(target), run_root(os.path.dirname(os.path.abspath(target))))


@contextlib.contextmanager
def _finally(progress: Progress | None) -> Iterator[None]:
    """Clear the progress line however the run ends."""
    try:
        yield
    finally:
        if progress is not None:
            progress.done()


def lint(settings: Settings) -> Report:
    report = Report()
    rules, rule_errors = load_rules([*settings.config.rule_dirs, *settings.rule_dirs])
    report.errors.extend(rule_errors)
    report.errors.extend(settings.config.errors)
    known = {rule.id for rule in rules}
    for rule_id in [*settings.enable, *settings.disable, *settings.config.rules]:
        if rule_id not in known:
            where = settings.config.path if rule_id in settings.config.rules else "command line"
            report.errors.append(LoadError(where or "command line", None, f"no such rule: {rule_id}"))
    report.rules = select_rules(rules, settings)
    suppressor = Suppressor(known, {rule.id for rule in report.rules})
    matched: set[int] = set()
    discovered = [(path, discover(path, settings.recursive, settings.exclude)) for path in settings.paths]
    report.empty = [path for path, found in discovered if not found]
    secrets = report.secrets
    seen: set[tuple] = set()
    read: set[str] = set()  # the data sources the inputs hold, by address and without instance keys
    for target, loaded, model, unknowns in models(settings, matched, [t for _, found in discovered for t in found]):
        secrets.update(loaded.secrets)
        secrets.update(loaded.soft_secrets, soft=True)
        read.update(a for res in loaded.resources if res.mode == "data"
                    for a in (res.address, instance_base(res.address)))
        report.inputs.append(target)
        if not (loaded.files or loaded.errors or loaded.resources or loaded.manifests):
            report.empty.append(target)
        report.models.append((target, model))
        report.errors.extend(loaded.errors)
        report.unknowns.extend(loaded.unknowns)
        report.unknowns.extend(unknowns)
        findings, errors = run_rules(report.rules, model)
        if findings:  # a finding inside a downloaded module is shown at the user's module call
            root = target if os.path.isdir(target) else os.path.dirname(target) or "."
            relocate(findings, loaded.resources, downloaded_test(root, settings.load.data_dir),
                     settings.load.cache_dir)
        if settings.inline_ignores:
            findings = suppressor.apply(loaded, findings)
        if settings.with_paths:  # an input joined to several PATHs: its own findings once
            findings = [f for f in findings if _first_time(f, seen)]
        _record_origins(report, target, loaded.resources, findings)
        report.findings.extend(findings)
        report.errors.extend(errors)
    for index, entry in enumerate(settings.config.expect):
        if index not in matched:
            line = settings.config.expect_lines[index] if index < len(settings.config.expect_lines) else None
            problem = (f"no input holds both {entry['from']} (a cluster, instance, subnet or CIDR) and "
                       f"{entry['to']} (an instance, managed service, load balancer, Kubernetes Service, subnet "
                       "or CIDR)")
            report.errors.append(LoadError(settings.config.path or "config", line, f"expect[{index}]: {problem}"))
    for address in settings.config.data:  # a mistyped address would leave its unknowns unexplained
        if address not in read:
            report.errors.append(LoadError(settings.config.path or "config", settings.config.data_lines.get(address),
                                           f"data: no input holds the data source {address}"))
    for name, entry in settings.config.networks.items():
        if not any(n.address == entry["attached_to"] for _, model in report.models for n in model.networks):
            report.errors.append(LoadError(settings.config.path or "config", entry["line"],
                                           f"networks.{name}.attached_to: no input holds {entry['attached_to']} "
                                           "(the address of a VPC or VNet)"))
    _redact(report, secrets)
    _filter(report, settings, suppressor)
    report.findings = _group_instances(report)  # after the baseline, which records each instance
    report.errors = sorted(set(report.errors), key=lambda e: (e.file, e.line or 0, e.message))
    report.unknowns = sorted(set(report.unknowns), key=lambda u: (u.resource, u.attribute, u.reason))
    return report


def _redact(report: Report, secrets: Taint) -> None:
    """No marked value (taint.py) leaves the run: every message, fix, error and unknown reason is
    redacted here, where all of them pass before any reporter, the baseline or a cache sees them."""
    if not secrets:
        return
    for finding in report.findings:  # an address holds for_each keys, which may be marked too
        finding.resource = secrets.redact(finding.resource)
        finding.related = [secrets.redact(address) for address in finding.related]
        finding.message = secrets.redact(finding.message)
        finding.fix = secrets.redact(finding.fix)
        if finding.defined_at is not None:
            finding.defined_at = (secrets.redact(finding.defined_at[0]), finding.defined_at[1])
        finding.extra = _redacted(finding.extra, secrets)  # the hops of a path, with their details
    report.errors = [replace(e, message=secrets.redact(e.message), file=secrets.redact(e.file)) for e in report.errors]
    report.unknowns = [replace(u, resource=secrets.redact(u.resource), reason=secrets.redact(u.reason))
                       for u in report.unknowns]


def _redacted(value, secrets: Taint):
    if isinstance(value, str):
        return secrets.redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, secrets) for item in value]
    return value


def _group_instances(report: Report) -> list[Finding]:
    """``group_instances`` within each input: two inputs (a plan and a state
    found by --recursive) that report the same finding report it twice."""
    by_input: dict[str, list[Finding]] = {}
    for finding in report.findings:
        origin = report.origin(finding)
        by_input.setdefault(origin.input if origin is not None else "", []).append(finding)
    kept = {id(finding) for findings in by_input.values() for finding in group_instances(findings)}
    return [finding for finding in report.findings if id(finding) in kept]


def _first_time(finding: Finding, seen: set[tuple]) -> bool:
    key = finding.sort_key()
    if key in seen:
        return False
    seen.add(key)
    return True


def _record_origins(report: Report, target: str, resources, findings: list[Finding]) -> None:
    sites = {r.address: r.call_sites for r in resources if r.call_sites}
    for finding in findings:
        report.origins[id(finding)] = Origin(target, sites.get(finding.resource, ()))


def _filter(report: Report, settings: Settings, suppressor: Suppressor) -> None:
    """The filters after the rules: unused inline ignores, then the baseline."""
    unused_rule = next((rule for rule in report.rules if rule.id == UNUSED_IGNORE), None)
    if unused_rule is not None:
        for finding in suppressor.unused(unused_rule.severity):
            report.origins[id(finding)] = Origin(finding.file or "")
            report.findings.append(finding)
    report.suppressed_inline = suppressor.suppressed
    report.findings.sort(key=Finding.sort_key)
    try:
        if settings.write_baseline:
            baselines.write(settings.write_baseline, report.findings)
        path = settings.baseline or settings.write_baseline
        if path:
            recorded = baselines.read(path)
            report.findings, report.baseline = baselines.apply(report.findings, recorded, path)
    except baselines.BaselineError as exc:
        report.errors.append(exc.error)
