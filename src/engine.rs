//! The one seam that picks, at compile time, which decoder and encoder the
//! `loads`/`dumps` paths use. Phases that bring their own engine add their
//! `cfg` here and nowhere else.

use pyo3::prelude::*;

use crate::api::build::Builder;
use crate::api::input::Input;
use crate::api::options::DumpOptions;

pub fn decode<'py>(input: &Input<'_, 'py>, builder: &Builder<'py>) -> PyResult<Bound<'py, PyAny>> {
    crate::baseline::decode::decode(input, builder)
}

pub fn encode(obj: &Bound<'_, PyAny>, opts: &DumpOptions<'_>) -> PyResult<Vec<u8>> {
    crate::baseline::encode::encode(obj, opts)
}
