/* tune_data.h — chat-format JSONL for LoRA tuning: {"messages": [{role, content}, ...]}
 * per line, rendered with the model's chat template; loss only on the assistant turns.
 *
 * For each assistant message k the rendering of messages[0..k) with the generation
 * prompt must be a prefix of the rendering of messages[0..k], which must be a prefix of
 * the whole conversation: the characters in between are that turn's answer (including
 * its end-of-turn marker, so the model learns to stop). The text is tokenized piece by
 * piece at those boundaries (they sit after special tokens, where BPE does not merge),
 * and target i = token i+1 when token i+1 belongs to an answer, else -1.
 */
#ifndef EXAONE_TRAIN_TUNE_DATA_H
#define EXAONE_TRAIN_TUNE_DATA_H

#include "../core/error.h"
#include "../tokenizer/tokenizer.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t *tokens;
    int *targets;
    int n;        /* tokens (truncated to max_len) */
    int n_loss;   /* targets >= 0 */
} TuneExample;

typedef struct {
    TuneExample *ex;
    int n;
    int64_t n_tokens, n_loss;
    int n_truncated;
} TuneData;

/* Reads every line of path (blank lines skipped); an unusable line is an error naming it. */
int tune_data_load(TuneData *d, const char *path, const Tokenizer *tok, TokChatKind kind, int max_len, Error *err);
/* One conversation (a JSON array of messages). */
int tune_data_render(TuneExample *e, const char *messages_json, const Tokenizer *tok, TokChatKind kind, int max_len,
                     Error *err);
void tune_data_free(TuneData *d);

#endif
