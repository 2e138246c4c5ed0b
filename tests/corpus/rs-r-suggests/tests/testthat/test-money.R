test_that("halves round away from zero", {
  expect_equal(round_money(c(0.125, -0.125, 2.5), c(2, 2, 0)), c(0.13, -0.13, 3))
})

test_that("the symbol comes from an option", {
  withr::local_options(rssuggests.symbol = "EUR ")
  expect_equal(format_money(3.14159), "EUR 3.14")
})

test_that("round_money is what format_money calls", {
  skip_if_not_installed("mockery")
  calls <- mockery::mock(1)
  mockery::stub(format_money, "round_money", calls)
  format_money(5)
  mockery::expect_called(calls, 1)
})
