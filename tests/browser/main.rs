//! Browser tests (see tests/browser/README in the module docs below).
