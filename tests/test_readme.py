"""The README's commands, run as written (install aside): they must stay true."""

import re
import shlex
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow  # subprocesses, servers, a browser or whole corpora: not in the fast loop

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    return [re.sub(r"\s+#.*$", "", line) for line in block.splitlines() if line.strip()]


def steps(command: str) -> list[str]:
    return [s.strip() for s in command.split("&&")]


def test_the_first_two_commands_set_up_and_run():
    main_job, tests = commands()[:2]
    for command in (main_job, tests):
        first, install, last = steps(command)
        assert first == "python3 -m venv .venv"
        assert install.startswith(".venv/bin/pip install") and "-e ." in install.replace("'", "").replace('"', "")
    assert steps(main_job)[2] == ".venv/bin/python -m pipeline.run"
    assert steps(tests)[2].startswith(".venv/bin/python -m pytest")
    assert ".[test]" in steps(tests)[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-m pytest" in ci and "README.md" in ci


def test_main_job_and_query_give_what_the_readme_shows(tmp_path):
    """A fresh copy of the project: the first command's run step, then the README's query, output as shown."""
    project = tmp_path / "clone"
    shutil.copytree(ROOT / "raw", project / "raw")
    shutil.copytree(ROOT / "pipeline", project / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "extracted").mkdir()
    console = "".join(re.findall(r"```console\n(.*?)```", README, re.S))
    blocks = re.split(r"^\$ ", console, flags=re.M)[1:]
    assert blocks, "the README shows no console session"
    for block in blocks:
        command, _, shown = block.partition("\n")
        argv = shlex.split(command)
        assert argv[0] == ".venv/bin/python"
        done = subprocess.run([sys.executable, *argv[1:]], cwd=project, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == shown.strip(), command
