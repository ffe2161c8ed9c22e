"""`unsafe` code only where ARCHITECTURE.md says it is: the crate denies
`unsafe_code`, and each module that allows it is named in the document's
section on it (the compiler holds the code to the allowances, this test the
allowances to the document)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_modules_that_allow_unsafe_are_the_ones_architecture_names():
    lib = (ROOT / "src" / "lib.rs").read_text()
    assert re.search(r"^#!\[deny\(unsafe_code\)\]", lib, re.M), "lib.rs no longer denies unsafe_code"
    allowing = {
        str(path.relative_to(ROOT / "src"))
        for path in (ROOT / "src").rglob("*.rs")
        if re.search(r"^#!\[allow\(unsafe_code\)\]", path.read_text(), re.M)
    }
    doc = (ROOT / "ARCHITECTURE.md").read_text()
    section = doc.split("## Where `unsafe` lives, and its rules", 1)[1].split("\n## ", 1)[0]
    # Every `.rs` path the section names, but the build script (`build.rs`,
    # outside src/) and the file that denies it.
    named = set(re.findall(r"`([\w/]+\.rs)`", section)) - {"build.rs", "src/lib.rs"}
    assert allowing, "no module allows unsafe_code"
    assert allowing == named, (sorted(allowing - named), sorted(named - allowing))
