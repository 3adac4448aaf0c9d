"""The benchmark and the scale seeder are development tools (DESIGN.md: "Benchmark and seeding
tools live where production never installs them"): the Django app ``tests.scale``, which only
``portal.settings.bench`` and the test settings install.

Each settings module is loaded in a fresh interpreter, as ``manage.py`` or gunicorn loads it, so
the app the test settings add cannot hide a leak; the bench settings are the control that shows
the probe does see the app where it is installed."""

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_PACKAGES = ("portal", "orders", "disputes")
#: The only production-package modules that may name the development app: the settings that
#: install it for the benchmark and for the test suite.
DEV_SETTINGS = {ROOT / "portal/settings/bench.py", ROOT / "portal/settings/test.py"}
DEV_APP = "tests.scale"
DEV_COMMANDS = {"benchmark", "seed_scale"}

PROBE = """
import json
import django
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

django.setup()
print(json.dumps({
    "apps": [config.name for config in apps.get_app_configs()],
    "commands": sorted(get_commands()),
    "root_urlconf": settings.ROOT_URLCONF,
}))
"""


def loaded(settings_module: str) -> dict:
    """The installed apps, management commands and URLconf of a settings module, as a fresh
    process sees them."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_SECRET_KEY": "dev-tools-test-secret-Xq7!mZ2@vR9#kL4$wT8%bN6^cJ3&hF5*dS1",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("settings_module", ["portal.settings.prod", "portal.settings.base"])
def test_production_and_default_settings_install_no_dev_tool(settings_module):
    site = loaded(settings_module)

    assert not [name for name in site["apps"] if name == "tests" or name.startswith("tests.")]
    assert not DEV_COMMANDS & set(site["commands"])
    assert site["root_urlconf"] == "portal.urls"


def test_the_bench_settings_install_the_benchmark_and_its_bare_view():
    bench = loaded("portal.settings.bench")

    assert DEV_APP in bench["apps"]
    assert set(bench["commands"]) >= DEV_COMMANDS
    assert bench["root_urlconf"] == "tests.scale.urls"


@pytest.mark.parametrize(
    "module",
    [
        "portal.scale.bench",
        "portal.scale.seed",
        "portal.scale.writer",
        "portal.management.commands.benchmark",
        "portal.management.commands.seed_scale",
    ],
)
def test_the_old_homes_of_the_benchmark_in_the_portal_package_are_gone(module):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)


def production_modules() -> list[Path]:
    return sorted(path for package in PRODUCTION_PACKAGES for path in (ROOT / package).rglob("*.py"))


def names_of_tests(path: Path) -> list[str]:
    """Imports of the ``tests`` package, and strings naming it (an app label, a URLconf, a
    dotted path for ``import_module``), in one module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value]
        else:
            continue
        found += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names if is_tests(name)]
    return found


def is_tests(name: str) -> bool:
    return name == "tests" or name.startswith("tests.")


def test_no_production_module_imports_or_names_the_tests_package():
    modules = production_modules()
    found = [hit for path in modules if path not in DEV_SETTINGS for hit in names_of_tests(path)]

    assert len(modules) > 50
    assert found == []


def test_the_scan_finds_the_dev_app_in_the_bench_and_test_settings_that_install_it():
    for path in DEV_SETTINGS:
        assert any(DEV_APP in hit for hit in names_of_tests(path)), path
