// Placeholder for the projects API tests; the import keeps the harness in scope.
#![allow(unused_imports)]
use muistot_tests::*;
