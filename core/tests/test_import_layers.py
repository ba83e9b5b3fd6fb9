"""The import contracts of `make lint` hold, and would catch an import going the wrong way.

`lint-imports` reads the contracts in pyproject.toml. The second test builds a tree of
empty packages with the project's names in a temporary folder, gives it the same
contracts, adds one import that closes a cycle (core importing centers, while centers
imports core), and expects the linter to refuse it.
"""

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

from django.conf import settings

LINT = [str(Path(sys.executable).with_name("lint-imports"))]  # the venv's, as `make lint`


def contracts():
    return tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]


def lint(folder, config):
    return subprocess.run(
        [*LINT, "--config", str(config)], cwd=folder, capture_output=True, text=True, timeout=120
    )


def test_the_project_keeps_its_import_contracts():
    result = lint(settings.BASE_DIR, settings.BASE_DIR / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_closing_a_cycle_breaks_the_contracts(tmp_path):
    config = contracts()
    for package in config["root_packages"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "centers" / "models.py").write_text("import core\n")
    (tmp_path / "core" / "admin.py").write_text("import centers.models\n")
    pyproject = tmp_path / "pyproject.toml"
    roots = ", ".join(f'"{package}"' for package in config["root_packages"])
    layers = config["contracts"][0]
    assert layers["type"] == "layers"
    pyproject.write_text(
        textwrap.dedent(
            f"""\
            [tool.importlinter]
            root_packages = [{roots}]

            [[tool.importlinter.contracts]]
            name = "{layers["name"]}"
            type = "layers"
            layers = [{", ".join(f'"{layer}"' for layer in layers["layers"])}]
            """
        )
    )

    result = lint(tmp_path, pyproject)

    assert result.returncode != 0
    assert "core is not allowed to import centers" in result.stdout
