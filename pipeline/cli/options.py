"""The run's options, made from the settings' one declaration (`pipeline/settings.py`): the flags of
`python -m pipeline.run` with their help and defaults, and the environment and `--config` file read by
pydantic-settings (imported only when there is one to read). Every source goes through the same parsing and
checks (`settings.build`)."""

from __future__ import annotations

import argparse
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

from pipeline import settings as s
from pipeline.cli.foundation import Parser
from pipeline.errors import UsageError

MAX_CONFIG_BYTES = 64 * 1024  # a settings file is a few lines: anything larger is not one


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The flags of a run, one per setting. No flag has an argparse default: only the flags given reach
    `settings_from`, so that the environment and the file can set the others; `--help` shows the defaults."""
    p.add_argument("--config", default=argparse.SUPPRESS, metavar="FILE",
                   help=f"settings file (TOML; keys as the options: delay = 2); also {s.ENV_PREFIX}CONFIG")  # fmt: skip
    groups: dict[str, Any] = {"crawler": p.add_argument_group("crawling (with --fetch)")}
    crawler = {f.name for f in fields(s.Politeness)}
    for name, f in s.leaves():
        meta = f.metadata
        target = groups["crawler"] if name in crawler else p
        flags = [s.flag_of(name)] + ([meta["short"]] if meta.get("short") else [])
        shown = _shown(s.default_of(name))
        if str(f.type) == "bool" or f.type is bool:
            target.add_argument(*flags, dest=name, action="store_const", const="true", default=argparse.SUPPRESS,
                                help=meta["help"])  # fmt: skip
            continue
        kwargs: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS, "help": f"{meta['help']} {shown}"}
        kwargs["metavar"] = meta.get("metavar") or s.flag_of(name)[2:].replace("-", "_").upper()
        if name == "export":
            kwargs.update(action="append", choices=s.EXPORT_FORMATS)
        elif meta.get("choices"):
            kwargs["choices"] = meta["choices"]
        target.add_argument(*flags, **kwargs)


def _shown(value: Any) -> str:
    if value in ("", None, (), []):
        return ""
    if isinstance(value, tuple):
        value = ",".join(map(str, value))
    return f"(default: {value})"


def settings_from(given: dict[str, Any]) -> s.Settings:
    """The settings of a run from the flags given, the environment and the config file (in that order of
    precedence). Raises UsageError naming the setting and where it may come from."""
    config = given.pop("config", None) or os.environ.get(f"{s.ENV_PREFIX}CONFIG", "").strip() or None
    env = {k[len(s.ENV_PREFIX) :].lower(): v for k, v in os.environ.items() if k.startswith(s.ENV_PREFIX)}
    env.pop("config", None)
    known = dict(s.leaves())
    unknown = sorted(set(env) - set(known))
    if unknown:
        raise UsageError(f"{s.ENV_PREFIX}{unknown[0].upper()}: no such setting (the settings are the options of "
                         f"--help, like {s.ENV_PREFIX}WAIT_LOCK); unset it")  # fmt: skip
    values: dict[str, Any] = {}
    if config is not None or env:
        values = _read_sources(Path(config) if config else None)
    values.update(given)
    return s.build(values)


def _read_sources(config: Path | None) -> dict[str, Any]:
    """The values of the environment over the file's, as given (text or TOML values); pydantic-settings reads
    them. Every setting is declared `Any` here: parsing and checks are `settings.build`'s, as for a flag."""
    if config is not None:
        _check_file(config)
    from pydantic import ValidationError, create_model
    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

    class Sources(BaseSettings):
        model_config = SettingsConfigDict(env_prefix=s.ENV_PREFIX, extra="forbid")

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            if config is None:
                return (env_settings,)
            return (env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config))

    fields_ = {name: (Any, None) for name, _ in s.leaves()}
    model = create_model("RunSources", __base__=Sources, **fields_)  # type: ignore[call-overload]
    try:
        read = model()
    except ValidationError as exc:
        problems = [e for e in exc.errors() if e["type"] == "extra_forbidden"]
        name = ".".join(str(p) for p in problems[0]["loc"]) if problems else "?"
        raise UsageError(f"{config}: unknown setting {name!r} (the settings are the options of --help, like "
                         "wait_lock)") from None  # fmt: skip
    return {k: v for k, v in read.model_dump().items() if k in read.model_fields_set}


def _check_file(path: Path) -> None:
    """A settings file: a regular file of a few lines, valid TOML; else a usage error (never a hang on a FIFO or
    a read of /dev/zero)."""
    import stat
    import tomllib  # here: only a run given a settings file reads one

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise UsageError(f"--config {path}: cannot be read ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"--config {path}: not a regular file; name a TOML file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise UsageError(f"--config {path}: {info.st_size:,} bytes, over {MAX_CONFIG_BYTES:,}: not a settings file")
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)
    try:
        tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"--config {path}: not valid TOML ({exc})") from None


def run_parser(prog: str, description: str) -> Parser:
    from pipeline import __version__

    p = Parser(
        prog=prog,
        description=description,
        epilog=f"Every option can also be set in the environment ({s.ENV_PREFIX}WAIT_LOCK=60) or in the --config file "
        "(wait_lock = 60); a flag wins over the environment, which wins over the file.",
    )
    p.add_argument("--version", action="version", version=f"ocindex-pipeline {__version__}")
    add_run_options(p)
    return p
