#' The distance between the smallest and largest finite value.
#'
#' @param x A numeric vector.
#' @return A single number.
spread <- function(x) {
  stopifnot(is.numeric(x))
  x <- x[is.finite(x)]
  if (length(x) == 0L) {
    return(NA_real_)
  }
  max(x) - min(x)
}

#' A start-up style banner naming the installed version.
version_banner <- function() {
  paste0("rvstale ", utils::packageVersion("rvstale"))
}
