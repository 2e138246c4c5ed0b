#' Greet someone by name.
#'
#' @param name Who to greet.
#' @return A greeting string.
greet <- function(name = "world") {
  if (!is.character(name) || length(name) != 1L) {
    stop("name must be a single string")
  }
  paste0("Hello, ", name, "!")
}

#' Running mean over a window of k values (NA where the window is incomplete).
#'
#' @param x A numeric vector.
#' @param k Window width.
running_mean <- function(x, k = 3L) {
  stopifnot(is.numeric(x), k >= 1L)
  as.numeric(filter(x, rep(1 / k, k), sides = 1L))
}
