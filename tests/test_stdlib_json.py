"""CPython's own test_json (shipped with the running interpreter) run against
rjson.compat, not shimmed: each test class of json's public API is run as
CPython runs it against its pure-Python json, with `json` being
rjson.compat. Left out, as the tests of json's private parts: the C
accelerator's internals (test_speedups, the checks of which module
`scanner`/`scanstring` come from), the private scanstring and
encode_basestring_ascii functions, and json.tool (rjson's own command is
`python -m rjson`)."""

import importlib
import os
import unittest

import pytest

import rjson.compat

test_json = pytest.importorskip("test.test_json")

# Modules of test_json that test json's private parts, not its API.
PRIVATE = {"test_speedups", "test_scanstring", "test_encode_basestring_ascii", "test_tool"}


class CompatTest(unittest.TestCase):
    """What test_json's PyTest and CTest base classes give each test."""

    json = rjson.compat
    loads = staticmethod(rjson.compat.loads)
    dumps = staticmethod(rjson.compat.dumps)
    JSONDecodeError = staticmethod(rjson.compat.JSONDecodeError)


def api_test_classes():
    """Each test mixin of a public-API module, bound to rjson.compat as
    test_json binds it to the pure-Python json (`TestPyDecode` is
    `TestDecode` with `PyTest`)."""
    folder = os.path.dirname(test_json.__file__)
    names = sorted(f[:-3] for f in os.listdir(folder) if f.startswith("test_") and f.endswith(".py"))
    for name in names:
        if name in PRIVATE:
            continue
        module = importlib.import_module(f"test.test_json.{name}")
        for attr in dir(module):
            cls = getattr(module, attr)
            if isinstance(cls, type) and issubclass(cls, test_json.PyTest) and cls is not test_json.PyTest:
                mixins = [base for base in cls.__bases__ if base is not test_json.PyTest]
                yield f"{name}.{attr}", type(f"Compat{attr}", (*mixins, CompatTest), {})


CLASSES = dict(api_test_classes())


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_cpython_test_json(name):
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CLASSES[name])
    result = unittest.TextTestRunner(verbosity=0, stream=open(os.devnull, "w")).run(suite)
    problems = [f"{test.id()}:\n{trace}" for test, trace in result.failures + result.errors]
    assert not problems, "\n".join(problems)
    assert result.testsRun > 0


def test_every_public_module_is_run():
    assert {name.split(".")[0] for name in CLASSES} >= {
        "test_decode",
        "test_default",
        "test_dump",
        "test_enum",
        "test_fail",
        "test_float",
        "test_indent",
        "test_pass1",
        "test_recursion",
        "test_separators",
        "test_unicode",
    }
