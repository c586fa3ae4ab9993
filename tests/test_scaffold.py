"""``evalscope plugins new``: the files it writes, the names it derives, and the inputs it refuses.

The generated code is also exercised here in-process with the contract kit; the full
walk-through (install in a fresh environment, list, run, the generated tests) is in
``test_scaffold_walkthrough.py``.
"""

from __future__ import annotations

import importlib
import json
import re
import sys

import pytest

from evalscope.scaffold import TEMPLATES, generate, plugin_names, render
from evalscope.testing import check_benchmark, check_model, check_scorer, make_prompts

EXPECTED_FILES = {
    "model": ["evalscope_acme_echo/__init__.py", "evalscope_acme_echo/model.py", "tests/test_model.py"],
    "benchmark": [
        "evalscope_acme_echo/__init__.py",
        "evalscope_acme_echo/benchmark.py",
        "evalscope_acme_echo/data/test.jsonl",
        "evalscope_acme_echo/scorer.py",
        "tests/test_benchmark.py",
    ],
    "scorer": ["evalscope_acme_echo/__init__.py", "evalscope_acme_echo/scorer.py", "tests/test_scorer.py"],
    "hub-benchmark": ["evalscope_acme_echo/__init__.py", "evalscope_acme_echo/benchmark.py", "tests/test_benchmark.py"],
}
COMMON_FILES = [".gitignore", "README.md", "pyproject.toml"]


@pytest.mark.parametrize("kind", ["model", "benchmark", "hub-benchmark", "scorer"])
def test_each_kind_writes_a_complete_package(tmp_path, kind):
    target = tmp_path / "acme-echo"
    written = generate("acme-echo", kind, target)
    relative = sorted(str(path.relative_to(target)) for path in written)
    assert relative == sorted(COMMON_FILES + EXPECTED_FILES[kind])
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == relative

    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"{{\s*\w+\s*}}", text), f"unfilled placeholder in {path}"
        if path.suffix == ".py":
            compile(text, str(path), "exec")

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((target / "pyproject.toml").read_text())
    assert project["project"]["name"] == "evalscope-acme-echo"
    assert project["project"]["entry-points"]["evalscope"] == {"acme-echo": "evalscope_acme_echo"}
    assert project["project"]["optional-dependencies"]["test"] == ["pytest>=8"]
    assert any(dep.startswith("evalscope>=") for dep in project["project"]["dependencies"])
    assert project["tool"]["setuptools"]["packages"] == ["evalscope_acme_echo"]
    if kind == "benchmark":
        assert project["tool"]["setuptools"]["package-data"] == {"evalscope_acme_echo": ["data/*.jsonl"]}
        rows = [json.loads(line) for line in (target / "evalscope_acme_echo/data/test.jsonl").read_text().splitlines()]
        assert len(rows) == 5 and all({"id", "question", "answer"} <= set(row) for row in rows)
    else:
        assert "package-data" not in project["tool"]["setuptools"]
    readme = (target / "README.md").read_text()
    assert readme.startswith("# evalscope-acme-echo\n") and "acme-echo" in readme and "twine upload" in readme


@pytest.mark.parametrize(
    ("name", "distribution", "module", "prefix"),
    [
        ("acme-echo", "evalscope-acme-echo", "evalscope_acme_echo", "AcmeEcho"),
        ("acme_echo", "evalscope-acme-echo", "evalscope_acme_echo", "AcmeEcho"),
        ("quiz2", "evalscope-quiz2", "evalscope_quiz2", "Quiz2"),
        ("evalscope-mmlu-pro", "evalscope-mmlu-pro", "evalscope_mmlu_pro", "MmluPro"),
    ],
)
def test_names_derive_from_the_registered_name(name, distribution, module, prefix):
    names = plugin_names(name)
    assert (names.name, names.distribution, names.module, names.class_prefix) == (name, distribution, module, prefix)


@pytest.mark.parametrize(
    "name", ["Acme", "acme echo", "1acme", "acme--echo", "acme-", "acme_-x", "", "evalscope", "a" * 65]
)
def test_an_invalid_name_is_a_one_line_error_and_writes_nothing(run_cli, tmp_path, name):
    result = run_cli("plugins", "new", name, "--path", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"evalscope: error: plugin name {name!r} ")
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_name_a_builtin_registers_is_refused(run_cli, tmp_path):
    result = run_cli("plugins", "new", "exact_match", "--kind", "scorer", "--path", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr == (
        "evalscope: error: plugin name 'exact_match' is taken: evalscope has a built-in scorer of that name\n"
    )
    # a benchmark registers its scorer under its own name too
    result = run_cli("plugins", "new", "includes", "--kind", "benchmark", "--path", str(tmp_path / "out"))
    assert result.returncode == 1 and "built-in scorer" in result.stderr
    assert not (tmp_path / "out").exists()
    # a model may reuse a scorer's name: they live in different registries
    assert run_cli("plugins", "new", "includes", "--path", str(tmp_path / "out")).returncode == 0


def test_an_existing_non_empty_folder_is_never_overwritten(run_cli, tmp_path):
    target = tmp_path / "acme-echo"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = run_cli("plugins", "new", "acme-echo", "--path", str(target))
    assert result.returncode == 1
    assert result.stderr == (
        f"evalscope: error: --path {str(target)!r} already exists and is not empty; give a new or empty folder\n"
    )
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "mine"

    afile = tmp_path / "afile"
    afile.write_text("x")
    result = run_cli("plugins", "new", "acme-echo", "--path", str(afile))
    assert result.returncode == 1 and "is a file" in result.stderr


def test_an_empty_folder_and_the_default_path_are_used(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("plugins", "new", "acme-quiz", "--kind", "benchmark", "--path", str(tmp_path / "empty"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"created evalscope-acme-quiz (benchmark 'acme-quiz') in {tmp_path / 'empty'}")
    assert (tmp_path / "empty" / "evalscope_acme_quiz" / "benchmark.py").is_file()

    result = run_cli("plugins", "new", "acme-echo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "acme-echo" / "evalscope_acme_echo" / "model.py").is_file()


def test_an_unknown_kind_is_refused(run_cli, tmp_path):
    result = run_cli("plugins", "new", "acme", "--kind", "dataset", "--path", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "invalid choice: 'dataset'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_listing_plugins_still_works_beside_new(run_cli):
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, result.stderr
    assert "evalscope.builtins.scorers" in {row["name"] for row in json.loads(result.stdout)}


def test_render_fills_placeholders_and_names_an_unknown_one():
    assert render("{{ name }} = {{module}}", {"name": "a", "module": "b"}) == "a = b"
    with pytest.raises(Exception, match=r"template x.tmpl: unknown placeholder \{\{ nmae \}\}"):
        render("{{ nmae }}", {"name": "a"}, "x.tmpl")


def test_every_template_is_used_and_filled(tmp_path):
    used = set()
    for kind in ("model", "benchmark", "hub-benchmark", "scorer"):
        generate("acme-x", kind, tmp_path / kind)  # fails on an unknown placeholder
        used |= {path for folder in ("common", kind) for path in (TEMPLATES / folder).rglob("*.tmpl")}
    assert used == set(TEMPLATES.rglob("*.tmpl"))


@pytest.fixture
def generated(tmp_path, monkeypatch):
    """Generate a package and import its module from the source folder (without installing it)."""
    imported = []

    def make(name: str, kind: str):
        target = tmp_path / name
        generate(name, kind, target)
        monkeypatch.syspath_prepend(str(target))
        module = importlib.import_module(plugin_names(name).module)
        imported.append(module.__name__)
        return module

    yield make
    for name in [name for name in sys.modules if name.split(".")[0] in imported]:
        del sys.modules[name]


def test_the_generated_model_honours_the_contract(generated):
    package = generated("acme-gen-echo", "model")
    model_module = importlib.import_module(f"{package.__name__}.model")
    check_model(model_module.AcmeGenEchoModel)
    check_model(package.build_model)
    prompts, origin_inputs = make_prompts(["What is 12 / 4?", "Say hi"])
    responses = package.build_model(config={"model_id": "x"}).predict(prompts, origin_inputs=origin_inputs)
    assert [r["choices"][0]["message"]["content"] for r in responses] == ["Answer: 3", "Say hi"]


def test_the_generated_benchmark_and_scorer_honour_the_contract(generated):
    package = generated("acme-gen-quiz", "benchmark")
    samples = check_benchmark(package.build_benchmark, scorer=package.build_scorer)
    assert [s.target for s in samples["test"]] == ["5", "42", "6", "3", "Paris"]
    check_scorer(package.build_scorer, cases=[("Answer: Paris", "Paris", 1.0), ("Answer: Lyon", "Paris", 0.0)])


def test_the_generated_hub_benchmark_reads_a_local_copy_and_honours_the_contract(generated, tmp_path):
    package = generated("acme-gen-hub", "hub-benchmark")
    copy = tmp_path / "copy" / "default"
    copy.mkdir(parents=True)
    rows = [{"id": "a", "question": "1 + 1?", "choices": ["1", "2", "3", "4"], "answer": 1}]
    for split in ("test", "dev"):
        (copy / f"{split}.jsonl").write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    samples = check_benchmark(package.build_benchmark, {"local_path": str(copy.parent), "few_shot_num": 1})
    assert [(sample.id, sample.target, sample.options) for sample in samples["default"]] == [
        ("a", "B", {"A": "1", "B": "2", "C": "3", "D": "4"})
    ]


def test_the_generated_scorer_honours_the_contract(generated):
    package = generated("acme-gen-num", "scorer")
    check_scorer(package.build_scorer, cases=[("about 1,000.5 in all", "1000.5", 1.0), ("7", "8", 0.0)])


@pytest.mark.parametrize("kind", ["model", "benchmark", "hub-benchmark", "scorer"])
@pytest.mark.parametrize("name", ["acme-echo", "evalscope-a-rather-long-plugin-name-for-line-lengths"])
def test_the_generated_package_is_lint_clean_under_its_own_config(tmp_path, kind, name):
    import subprocess

    pytest.importorskip("ruff")
    target = tmp_path / "package"
    generate(name, kind, target)
    for command in (["check", "--quiet", "."], ["format", "--check", "--quiet", "."]):
        result = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=target, capture_output=True, text=True)
        assert result.returncode == 0, f"ruff {command[0]}:\n{result.stdout}{result.stderr}"


def test_refuses_the_name_of_an_installed_plugin_package(tmp_path):
    from evalscope.errors import ConfigError

    with pytest.raises(
        ConfigError, match=r"plugin name 'dummy-model' is taken: evalscope-dummy-model \S+ is installed"
    ):
        generate("dummy-model", "model", tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_an_unwritable_path_is_a_one_line_error(tmp_path):
    from evalscope.errors import ConfigError

    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=r"--path '.*file/pkg': cannot write .*: Not a directory"):
        generate("acme-unwritable", "model", tmp_path / "file" / "pkg")
