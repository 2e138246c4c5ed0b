#' Round half away from zero to `digits` decimals (R's round() rounds half to even).
round_money <- function(x, digits = 2) {
  scale <- 10^digits
  sign(x) * floor(abs(x) * scale + 0.5) / scale
}

#' Format an amount with a currency symbol, honouring options(rssuggests.symbol).
format_money <- function(x) {
  symbol <- getOption("rssuggests.symbol", "$")
  paste0(symbol, formatC(round_money(x), format = "f", digits = 2))
}
