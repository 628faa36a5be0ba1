/* eval_metrics.h — text metrics shared by the evaluation commands (mini-eval,
 * fairness-eval). */
#ifndef EXAONE_EVAL_METRICS_H
#define EXAONE_EVAL_METRICS_H

/* chrF2 (Popović 2015): character 1-4-gram F-score with beta 2, x100, at the
 * sentence level; white space is ignored. */
double eval_chrf(const char *hyp, const char *ref);

#endif
