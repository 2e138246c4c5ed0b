library(testthat)
library(dspure)

test_check("dspure")
