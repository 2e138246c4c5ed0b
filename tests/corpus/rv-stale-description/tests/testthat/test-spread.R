test_that("spread ignores non-finite values", {
  expect_equal(spread(c(3, -1, Inf, NA, 7)), 8)
  expect_true(is.na(spread(numeric())))
})
