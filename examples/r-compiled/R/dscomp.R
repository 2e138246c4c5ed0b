#' Sum a numeric vector in C.
#'
#' @param x A numeric vector (NA values propagate).
c_sum <- function(x) {
  .Call(C_sum, as.numeric(x))
}
