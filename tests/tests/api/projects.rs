use muistot_tests::*;
