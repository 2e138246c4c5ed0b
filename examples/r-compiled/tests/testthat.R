library(testthat)
library(dscomp)

test_check("dscomp")
