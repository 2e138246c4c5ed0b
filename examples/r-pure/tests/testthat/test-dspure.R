test_that("greet greets", {
  expect_equal(greet("R"), "Hello, R!")
  expect_equal(greet(), "Hello, world!")
  expect_error(greet(1), "single string")
})

test_that("running_mean averages a window", {
  expect_equal(running_mean(c(1, 2, 3, 4), 2), c(NA, 1.5, 2.5, 3.5))
})
