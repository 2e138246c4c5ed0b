test_that("the installed version is the release tag, not DESCRIPTION's stale one", {
  expect_true(packageVersion("rvstale") == "1.0.7")
  expect_equal(utils::packageDescription("rvstale")$Version, "1.0-7")
  expect_equal(version_banner(), "rvstale 1.0.7")
})
