// Python-version cfgs (Py_3_11, ...), and `rjson_cpython_311` where the
// interpreter's object layouts are CPython 3.11's on a 64-bit target: the few
// places that read dicts and ints in place (src/phase1/layout.rs), fill
// dicts in place (src/phase3/dicts.rs) and make floats, ints and ASCII strs
// in place (src/phase5/objects.rs) need it.
use pyo3_build_config::PythonImplementation;

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    println!("cargo::rustc-check-cfg=cfg(rjson_cpython_311)");
    let config = pyo3_build_config::get();
    let version = config.version();
    // (The limited API, which hides these layouts, is excluded by
    // `not(Py_LIMITED_API)` where the cfg is used.)
    let layout_311 = matches!(config.implementation(), PythonImplementation::CPython)
        && (version.major, version.minor) == (3, 11)
        && config.pointer_width().unwrap_or(64) == 64
        && std::env::var("CARGO_CFG_TARGET_POINTER_WIDTH").as_deref() == Ok("64");
    if layout_311 {
        println!("cargo::rustc-cfg=rjson_cpython_311");
    }
}
