test_that("c_sum adds numbers", {
  expect_equal(c_sum(c(1, 2, 3.5)), 6.5)
  expect_equal(c_sum(integer(0)), 0)
})

test_that("c_sum propagates NA", {
  expect_true(is.na(c_sum(c(1, NA))))
})
