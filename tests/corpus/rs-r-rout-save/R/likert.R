LEVELS <- c("disagree", "neutral", "agree")

likert_shares <- function(answers) {
  counts <- table(factor(answers, levels = LEVELS))
  structure(list(counts = counts, n = length(answers)), class = "likert_shares")
}

print.likert_shares <- function(x, ...) {
  cat("answers:", x$n, "\n")
  shares <- round(100 * as.numeric(x$counts) / x$n, 1)
  print(data.frame(level = LEVELS, count = as.integer(x$counts), percent = shares))
  invisible(x)
}
