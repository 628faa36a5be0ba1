/* chrf.h — chrF (Popović 2015): the character n-gram F-score of a translation
 * against its reference, the metric of EXAONE-mini's EN<->KO translation.
 *
 *     double score = chrf("파일 열기", "파일을 열기");   // 0 .. 100
 */
#ifndef EXAONE_CLI_CHRF_H
#define EXAONE_CLI_CHRF_H

/* Sentence-level chrF2 (beta 2, n = 1..4, averaged over n, whitespace
 * ignored), x100. Strings are UTF-8; at most 256 characters of each count. */
double chrf(const char *hyp, const char *ref);

#endif
