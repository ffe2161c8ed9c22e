//! The baseline's item stack: one vector a call (phase2 pools it).

use pyo3::prelude::*;

use crate::api::memory;
use crate::engine;

/// The items of the lists being decoded, innermost last: each list pushes
/// its items and takes them off when it closes (the baseline's: one vector
/// per call; phase2 pools it).
#[allow(dead_code)]
pub struct ItemStack<'py> {
    items: Vec<Bound<'py, PyAny>>,
}

#[allow(dead_code)]
impl<'py> ItemStack<'py> {
    pub fn new(_py: Python<'py>) -> Self {
        ItemStack { items: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn push(&mut self, item: Bound<'py, PyAny>) {
        memory::reserve(&mut self.items, 1);
        self.items.push(item);
    }

    /// The list of the items pushed since `mark`.
    pub fn pop_list(&mut self, py: Python<'py>, mark: usize) -> PyResult<Bound<'py, PyAny>> {
        engine::new_list(py, self.items.split_off(mark))
    }
}
