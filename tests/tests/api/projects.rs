#[allow(unused_imports)]
use muistot_tests::*;
