library(testthat)
library(rvstale)

test_check("rvstale")
