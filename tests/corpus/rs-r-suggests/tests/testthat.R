library(testthat)
library(rssuggests)

test_check("rssuggests")
