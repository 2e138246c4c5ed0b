library(rsroutdiff)
answers <- c("agree", "agree", "neutral", "disagree", "agree", "agree", "neutral")
likert_shares(answers)
likert_shares(character())$n
stopifnot(sum(likert_shares(answers)$counts) == 7L)
