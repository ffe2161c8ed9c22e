// Python-version cfgs (Py_3_11, ..., Py_GIL_DISABLED) from pyo3, and:
// - `rjson_cpython_layouts` where the interpreter's object layouts are ones
//   rjson reads and fills in place (src/phase1/layout.rs reads dicts and
//   ints, src/phase3/dicts.rs fills dicts, src/phase5/objects.rs makes
//   floats, ints and ASCII strs): CPython 3.11, 3.12 or 3.13 on a 64-bit
//   target with the GIL (the limited API, which hides the layouts, is
//   excluded by `not(Py_LIMITED_API)` where the cfg is used);
// - `rjson_cpython_312_on` among those from 3.12 on (an int's sign and size
//   in `lv_tag`, no `wstr` in a str, immortal objects).
// Any other interpreter takes the C API: an unknown layout is never guessed.
use pyo3_build_config::{BuildFlag, PythonImplementation};

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    println!("cargo::rustc-check-cfg=cfg(rjson_cpython_layouts)");
    println!("cargo::rustc-check-cfg=cfg(rjson_cpython_312_on)");
    let config = pyo3_build_config::get();
    let version = config.version();
    let known = matches!(config.implementation(), PythonImplementation::CPython)
        && version.major == 3
        && (11..=13).contains(&version.minor)
        && !config.build_flags().0.contains(&BuildFlag::Py_GIL_DISABLED)
        && config.pointer_width().unwrap_or(64) == 64
        && std::env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() == Ok("64");
    if known {
        println!("cargo::rustc-cfg=rjson_cpython_layouts");
        if version.minor >= 12 {
            println!("cargo::rustc-cfg=rjson_cpython_312_on");
        }
    }
}
