"""The ``vpclint`` command line."""

from __future__ import annotations

import os
import sys

import click

from vpclint import __version__, safefs
from vpclint.config import load_config
from vpclint.engine.rules import RuleError, load_rules
from vpclint.findings import SEVERITIES
from vpclint.lint import Progress, Settings, changed_file_targets, lint, models
from vpclint.load import LoadOptions
from vpclint.providers import unsupported
from vpclint.reporters import FORMATS, Context, display_path, error_text, escape, render
from vpclint.resources import LoadError
from vpclint.taint import Taint

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def default_cache_dir() -> str:
    """$VPCLINT_CACHE_DIR, else the user's cache directory (XDG)."""
    if os.environ.get("VPCLINT_CACHE_DIR"):
        return os.environ["VPCLINT_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "vpclint")


def _parse_var(value: str) -> tuple[str, str]:
    name, sep, raw = value.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{value!r}: expected NAME=VALUE", param_hint="--var")
    return name, raw


class DefaultCheck(click.Group):
    """Bare ``vpclint`` (or ``vpclint PATH``) means ``vpclint check``."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vpclint")
def cli() -> None:
    """Static policy linter for Terraform networks: pod reachability, routes,
    security groups, whitelists and CIDR overlaps, before apply."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "format_", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(), help="Config file (default: ./.vpclint.yaml).")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(), help="Extra rule directory (repeatable).")
@click.option("--enable-rule", multiple=True, metavar="ID")
@click.option("--disable-rule", multiple=True, metavar="ID")
@click.option("--minimum-failure-severity", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 on findings at or above this severity [default: warning].")
@click.option("--var-file", multiple=True, type=click.Path(), help="As terraform's -var-file (repeatable).")
@click.option("--var", "vars_", multiple=True, metavar="NAME=VALUE", help="As terraform's -var (repeatable).")
@click.option("--recursive", is_flag=True,
              help="Lint every directory below PATH that holds .tf files, and every plan or state JSON file.")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="With --recursive, skip directories matching GLOB (relative to the current directory; "
                   "repeatable).")
@click.option("--no-color", is_flag=True)
@click.option("--cache-dir", type=click.Path(), default=None,
              help="Parse and result cache [default: ~/.cache/vpclint].")
@click.option("--no-cache", is_flag=True, help="Do not read or write the cache.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to FILE instead of standard output.")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False), default=None,
              help="Do not report findings recorded in this baseline file.")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False), default=None,
              help="Record this run's findings in FILE (then report only findings it does not hold).")
@click.option("--pre-commit", "pre_commit", is_flag=True,
              help="PATHS are changed .tf/.tfvars files: lint each directory holding them once.")
@click.option("--progress/--no-progress", default=None,
              help="Show which input is being linted on stderr [default: when stderr is a terminal and the "
                   "format is text].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Parse HCL files in N processes [default: one per CPU available].")
@click.option("--no-inline-ignores", "no_inline_ignores", is_flag=True,
              help="Report findings that vpclint-ignore comments would suppress (an audit of the suppressions).")
@click.option("--with", "with_paths", multiple=True, type=click.Path(), metavar="PATH",
              help="An input whose resources join PATH's network: a directory, plan or state JSON (repeatable; "
                   "config key with:).")
@click.option("--plan-sources", type=click.Path(exists=True, file_okay=False), default=None, metavar="DIR",
              help="The root module plans were made from: findings get its file:line and inline ignores "
                   "[default: each plan's directory, when it holds .tf files].")
def check(paths, format_, config_path, rule_dirs, enable_rule, disable_rule, minimum_failure_severity, var_file,
          vars_, recursive, excludes, no_color, cache_dir, no_cache, output, baseline, write_baseline, pre_commit,
          progress, jobs, no_inline_ignores, plan_sources, with_paths) -> None:
    """Lint PATHS (default: the current directory)."""
    try:
        config = load_config(config_path)
    except RuleError as exc:
        _fail(exc)
    variables = [_parse_var(v) for v in vars_]
    if pre_commit:
        paths = changed_file_targets(list(paths))
        if not paths:
            sys.exit(EXIT_CLEAN)
    settings = Settings(
        baseline=baseline,
        write_baseline=write_baseline,
        paths=list(paths) or ["."],
        recursive=(recursive or config.recursive) and not pre_commit,  # pre-commit: exactly those directories
        load=_load_options(config, var_file, variables, cache_dir, no_cache, plan_sources),
        config=config,
        rule_dirs=list(rule_dirs),
        enable=list(enable_rule),
        disable=list(disable_rule),
        progress=_progress(progress, format_),
        workers=jobs,
        inline_ignores=not no_inline_ignores,
        exclude=[*config.exclude, *(os.path.normpath(p) for p in excludes)],
        with_paths=[*config.with_paths, *with_paths],
    )
    report = lint(settings)
    minimum = minimum_failure_severity or config.minimum_failure_severity or "warning"
    color = (not no_color and not output and format_ == "text" and sys.stdout.isatty()
             and "NO_COLOR" not in os.environ)
    rendered = render(format_, report, Context(color=color, minimum_failure_severity=minimum))
    if output:
        _write_output(output, rendered, report)
    else:
        click.echo(rendered, nl=False)
    if format_ == "text":  # people read this; machine formats keep stderr for errors
        for path in report.empty:
            _say(f"Warning: nothing to lint in {display_path(path)} (no .tf or .tf.json file, Terraform plan or state "
                 "JSON, or policy manifest)")
        unmodelled = unsupported.providers(report.unknowns)
        if unmodelled:  # "No issues found." must not stand for a network nothing was checked in
            _say(f"Warning: network resources of {', '.join(unmodelled)} are not modelled (no adapter for "
                 f"{'that provider' if len(unmodelled) == 1 else 'those providers'}); nothing was checked "
                 "for them (--format json lists them under unknowns)")
        count = len(report.unknowns) - len(unsupported.notes(report.unknowns))
        if count:  # silence about a value is not a verdict on it: say so
            _say(f"Note: {count} value{'s' if count != 1 else ''} the rules needed cannot be known before apply "
                 "(or are unset); nothing was reported from them (--format json lists them under unknowns)")
    if report.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if report.failed(minimum) else EXIT_CLEAN)


@cli.command(name="rules")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(), help="Extra rule directory (repeatable).")
def list_rules(rule_dirs) -> None:
    """List every rule: id, default severity, summary."""
    rules, errors = load_rules(list(rule_dirs))
    width = max((len(r.id) for r in rules), default=0)
    for rule in rules:
        click.echo(escape.line(f"{rule.id:<{width}}  {rule.severity:<7}  {rule.summary}"))
    _report_errors(errors)


@cli.command()
@click.argument("rule_id")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(), help="Extra rule directory (repeatable).")
def explain(rule_id, rule_dirs) -> None:
    """Show a rule's documentation: what, why, a failing and a passing example, the fix."""
    rules, errors = load_rules(list(rule_dirs))
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        _say(f"Error: no such rule: {rule_id} (see `vpclint rules`)")
        sys.exit(EXIT_ERROR)
    docs = rule.docs
    # a check may report at its own severity (docker_bridge_overlap: a notice where no cluster talks to the range)
    others = sorted({c["severity"] for c in rule.checks if c.get("severity", rule.severity) != rule.severity})
    severity = rule.severity + (f"; some findings {', '.join(others)}" if others else "")
    out = [f"{rule.id} ({severity})", "", escape.visible(rule.summary), "",
           "What it does", _indent(docs["what"]), "",
           "Why it matters", _indent(docs["why"]), "", "Example that fails", _indent(docs["bad"].rstrip()), "",
           "The same, fixed", _indent(docs["good"].rstrip()), "", "How to fix", _indent(docs["fix"])]
    if "config" in docs:
        out[-2:-2] = ["With this .vpclint.yaml", _indent(docs["config"].rstrip()), ""]
    for ref in docs.get("references", []):
        out.append(f"  see: {ref}")
    click.echo(escape.lines("\n".join(out)))  # rule files may come with the pull request
    _report_errors(errors)


def _write(path: str, text: str, what: str = "the report") -> None:
    """Write ``text`` to PATH, never through a link or into a special file
    (safefs); a file that cannot be written is exit 2, not a traceback."""
    try:
        safefs.write_file(path, text.encode("utf-8"))
    except safefs.Refused as exc:
        click.echo(f"Error: {display_path(path)}: cannot write {what}: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        click.echo(f"Error: {display_path(path)}: cannot write {what}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)


def _write_output(path: str, rendered: str, report) -> None:
    """--output: the report goes to PATH; a one-line summary and any errors to stderr."""
    _write(path, rendered)
    for error in report.errors:
        _say(f"Error: {error_text(error)}")
    _say(f"vpclint: {len(report.findings)} finding(s), {len(report.errors)} error(s); report written to {path}")


STARTER_CONFIG = """\
# vpclint configuration (written by `vpclint init`). vpclint reads
# ./.vpclint.yaml unless --config names another file; options given on the
# command line override what is set here. Every key is optional and an
# unknown key is an error. Remove the leading "# " to use a setting.

# Exit 1 when a finding at or above this severity is reported:
# error, warning (the default) or notice.
minimum_failure_severity: warning

# Lint every directory below PATH that holds .tf files, as --recursive does.
recursive: false

# Directories --recursive skips, with everything below them (globs relative
# to this file).
# exclude: [examples/*, test/fixtures]

# Per-rule settings, keyed by rule id (`vpclint rules` lists them):
# turn a rule off, or report it at another severity.
# rules:
#   docker_bridge_overlap: {enabled: false}
#   pod_ingress_missing: {severity: warning}

# Directories of your own rule files, relative to this file.
# rule_dirs: [policies/]

# Variable files applied after terraform.tfvars and *.auto.tfvars, as with
# terraform's -var-file (relative to this file).
# var_files: [envs/prod.tfvars]

# Reachability expectations: the pods of a cluster (or an instance, a
# subnet, a CIDR) must reach a resource (an instance, a managed service, a
# load balancer, a subnet, a CIDR).
# expect:
#   - from: huaweicloud_cce_cluster.main
#     to: huaweicloud_dcs_instance.cache
#     port: 6379
#     protocol: tcp

# Inputs that join this network (directories, plans, states; relative to
# this file), as --with: the network team's stack this one reads by data
# source, terraform_remote_state or ids.
# with: [../network/state.json]

# The Kubernetes / Calico policies of a cluster's pods (manifest paths,
# relative to this file, or Terraform addresses); without this, an input's
# policies apply to its cluster when it holds only one.
# clusters:
#   huaweicloud_cce_cluster.main:
#     policies: [k8s/]

# What data sources return, by address (module.NAME.data.TYPE.NAME inside
# a module): Terraform reads them during plan, vpclint reads these instead.
# Linting a plan (terraform show -json) needs none of this.
# data:
#   data.aws_availability_zones.available:
#     names: [eu-west-1a, eu-west-1b, eu-west-1c]

# EKS: whether the VPC CNI runs with AWS_VPC_K8S_CNI_EXTERNALSNAT=true (pods
# keep their own address towards peered VPCs). Unset: as the vpc-cni
# aws_eks_addon's configuration_values write it (false without one); set it
# when the CNI is configured outside this configuration.
# eks_external_snat: true

# ACK Flannel: nodes masquerade pod traffic leaving the pod CIDR (the
# default); false when pods keep their pod_cidr address towards peers.
# ack_flannel_ip_masq: true
"""


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False), default=".vpclint.yaml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path, force) -> None:
    """Write a commented starter config (default: ./.vpclint.yaml)."""
    if os.path.lexists(path) and not force:  # a dangling link too: it is never written through
        click.echo(f"Error: {display_path(path)} already exists; use --force to overwrite it", err=True)
        sys.exit(EXIT_ERROR)
    _write(path, STARTER_CONFIG, "the config")
    click.echo(f"wrote {display_path(path)}")


@cli.command()
@click.argument("path", type=click.Path(), default=".")
@click.option("--format", "format_", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@click.option("--config", "config_path", type=click.Path(), help="Config file (default: ./.vpclint.yaml).")
@click.option("--var-file", multiple=True, type=click.Path(), help="As terraform's -var-file (repeatable).")
@click.option("--var", "vars_", multiple=True, metavar="NAME=VALUE", help="As terraform's -var (repeatable).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write to FILE.")
@click.option("--with", "with_paths", multiple=True, type=click.Path(), metavar="PATH",
              help="An input whose resources join PATH's network (repeatable; config key with:).")
def graph(path, format_, config_path, var_file, vars_, output, with_paths) -> None:
    """Draw the network of PATH: VPCs, subnets, clusters, peerings and the
    routes through them; what does not route is red."""
    from vpclint import graph as graphs

    try:
        config = load_config(config_path)
    except RuleError as exc:
        _fail(exc)
    settings = Settings(paths=[path], config=config, with_paths=[*config.with_paths, *with_paths],
                        load=_load_options(config, var_file, [_parse_var(v) for v in vars_], None, False))
    errors, drawn, secrets = [], [], Taint()
    for _, loaded, model, _ in models(settings, set()):
        errors.extend(loaded.errors)
        secrets.update(loaded.secrets)
        secrets.update(loaded.soft_secrets, soft=True)
        drawn.append(graphs.build(model))
    render = graphs.mermaid if format_ == "mermaid" else graphs.dot
    text = secrets.redact("".join(render(g) for g in drawn))  # taint.py: a picture quotes no secret either
    errors = [LoadError(e.file, e.line, secrets.redact(e.message)) for e in errors]
    if output:
        _write(output, text, "the picture")
    else:
        click.echo(text, nl=False)
    _report_errors(errors)


def _progress(wanted: bool | None, format_: str) -> Progress | None:
    """A progress line on stderr: by default only for people (a terminal, the text format)."""
    if wanted is None:
        wanted = format_ == "text" and sys.stderr.isatty()
    return Progress(sys.stderr) if wanted else None


def _load_options(config, var_files, variables, cache_dir, no_cache, plan_sources=None) -> LoadOptions:
    """Loader options: config var_files before --var-file, as terraform orders them."""
    return LoadOptions(var_files=[*config.var_files, *var_files], vars=variables, env=dict(os.environ),
                       cache_dir=None if no_cache else _trusted_cache(cache_dir or default_cache_dir()),
                       plan_sources=plan_sources, explicit=frozenset(var_files), data=config.data)


def _trusted_cache(cache_dir: str) -> str | None:
    """``cache_dir``, or None with a warning when another user could change it
    or the cache key is not safe (load/hcl/trust.py): the run goes on uncached."""
    from vpclint.load.hcl import trust

    problem = trust.review(cache_dir)
    if problem:
        click.echo(f"Warning: {problem}; linting without the cache", err=True)
        return None
    return cache_dir


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.strip("\n").splitlines())


def _say(text: str) -> None:
    """One line on stderr. Whatever of the input it quotes cannot move the
    terminal's cursor, break the line or be taken for a CI command
    (``escape.line``): a CI runner reads stderr too."""
    click.echo(escape.line(text), err=True)


def _report_errors(errors) -> None:
    for error in errors:
        _say(f"Error: {error_text(error)}")
    if errors:
        sys.exit(EXIT_ERROR)


def _fail(exc: RuleError) -> None:
    _report_errors([exc.error])


def main() -> None:
    """Entry point: never lets a Python traceback reach the user."""
    try:
        cli.main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug in vpclint: say so plainly, exit 2
        _say(f"Error: internal error in vpclint {__version__}: {type(exc).__name__}: {exc}")
        _say("Please report it with the input that caused it.")
        sys.exit(EXIT_ERROR)
