"""The official client's `openai.types` packages load on demand, and every name in them is still the
object the client defines: checked name by name against a process without the finder."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

#: Prints, for every package under `openai.types`, each public name its `__init__` defines and what
#: that name is (a module's name, a class's module and qualified name, or the repr of anything else).
#: With the finder, it also checks each name as the finder's own lookup finds it before the `__init__`
#: has run, and prints how many `openai.types` modules `import openai` imported.
_SURVEY = textwrap.dedent(
    """
    import json, pkgutil, sys, types
    if sys.argv[1] == "lazy":
        from service.providers import lazy_types
        lazy_types.install()
    import openai
    imported = sorted(name for name in sys.modules if name.startswith("openai.types"))
    packages = [openai.types] + [
        sys.modules[info.name] if info.name in sys.modules else __import__(info.name, fromlist=["_"])
        for info in pkgutil.walk_packages(openai.types.__path__, "openai.types.") if info.ispkg
    ]

    def what(value):
        if isinstance(value, types.ModuleType):
            return "module " + value.__name__
        if isinstance(value, type):
            return f"class {value.__module__}.{value.__qualname__}"
        return repr(value)

    found, mismatched = {}, []
    for package in packages:
        before = {}
        if sys.argv[1] == "lazy":
            own = type(package)._own
            before = {name: own(package, name) for name in ("ChatCompletion", "Batch", "FunctionDefinition")}
            getattr(package, "__all__", None)  # runs the package's `__init__` if it has not run
        names = {name: value for name, value in vars(package).items() if not name.startswith("_")}
        found[package.__name__] = {name: what(value) for name, value in names.items()}
        if sys.argv[1] == "lazy":
            for name, value in names.items():
                looked_up = own(package, name)
                if looked_up is not None and looked_up is not value:
                    mismatched.append(f"{package.__name__}.{name}")
            for name, value in before.items():
                if value is not None and value is not names.get(name):
                    mismatched.append(f"{package.__name__}.{name} (before its __init__)")
    print(json.dumps({"imported": imported, "found": found, "mismatched": mismatched}))
    """
)


def _survey(mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _SURVEY, mode], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_import_openai_leaves_most_type_modules_unimported_and_every_name_resolves_the_same() -> None:
    eager, lazy = _survey("eager"), _survey("lazy")
    assert len(lazy["imported"]) < 100 < 400 < len(eager["imported"])  # type: ignore[arg-type]
    assert lazy["mismatched"] == []
    eager_found, lazy_found = eager["found"], lazy["found"]
    assert isinstance(eager_found, dict) and isinstance(lazy_found, dict)
    assert sorted(lazy_found) == sorted(eager_found)
    for package, names in eager_found.items():
        missing = {name: kind for name, kind in names.items() if lazy_found[package].get(name) != kind}
        assert not missing, f"{package}: {sorted(missing)[:10]}"


def test_star_import_and_attribute_access_reach_the_whole_package() -> None:
    script = textwrap.dedent(
        """
        from service.providers import lazy_types
        lazy_types.install()
        import openai
        from openai.types.chat import *
        assert ChatCompletion.__module__ == "openai.types.chat.chat_completion"
        assert ParsedChoice.__module__ == "openai.types.chat.parsed_chat_completion"
        assert openai.types.Batch.__module__ == "openai.types.batch"
        assert openai.types.shared.Reasoning.__module__ == "openai.types.shared.reasoning"
        try:
            openai.types.NoSuchType
        except AttributeError as exc:
            assert "NoSuchType" in str(exc)
        else:
            raise AssertionError("a name the package does not define resolved")
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr[-3000:]
