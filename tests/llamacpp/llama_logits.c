/* llama_logits.c — the llama.cpp side of test_llamacpp.sh: runs a GGUF through llama.cpp's
 * public C API (llama.h) and writes what exaone_logits.c writes for our runtime, so the two
 * can be compared number by number.
 *
 *     llama_logits MODEL.gguf OUT.f32 N_GREEDY ID...
 *
 * OUT.f32: logits of every prompt position, [n_prompt, vocab] little-endian f32.
 * stdout:  the greedy continuation, N_GREEDY ids on one line.
 * LLAMA_NO_REPACK=1 turns off llama.cpp's weight repacking (use_extra_bufts);
 * LLAMA_UBATCH=N makes it take the prompt N tokens at a time.
 * The KV cache is f32 (not llama.cpp's default f16) so that f32 models are compared
 * without a cache rounding step that our f32 path does not have.
 *
 * Built by the test against $LLAMA_CPP's headers and libllama; not part of our build.
 */
#include "llama.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quiet(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level >= GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

static int argmax(const float *v, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: llama_logits MODEL.gguf OUT.f32 N_GREEDY ID...\n");
        return 2;
    }
    int n_greedy = atoi(argv[3]), n_prompt = argc - 4;
    llama_log_set(quiet, NULL);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    /* LLAMA_NO_REPACK=1: keep q4_0 / q4_K in their file layout (no AVX-512 repacking) */
    const char *no_repack = getenv("LLAMA_NO_REPACK");
    if (no_repack && no_repack[0] == '1') mp.use_extra_bufts = false;
    struct llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) {
        fprintf(stderr, "llama_logits: llama.cpp cannot load %s\n", argv[1]);
        return 1;
    }
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t)(n_prompt + n_greedy + 8);
    cp.n_batch = cp.n_ubatch = (uint32_t)n_prompt;
    /* LLAMA_UBATCH=N: llama.cpp works through the prompt N tokens at a time */
    const char *ubatch = getenv("LLAMA_UBATCH");
    if (ubatch && atoi(ubatch) > 0 && atoi(ubatch) < n_prompt) cp.n_ubatch = (uint32_t)atoi(ubatch);
    cp.n_threads = cp.n_threads_batch = 1;
    cp.type_k = cp.type_v = GGML_TYPE_F32;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        fprintf(stderr, "llama_logits: cannot create a context for %s\n", argv[1]);
        return 1;
    }
    int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    struct llama_batch batch = llama_batch_init(n_prompt, 0, 1);
    for (int i = 0; i < n_prompt; i++) {
        batch.token[i] = atoi(argv[4 + i]);
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    batch.n_tokens = n_prompt;
    if (llama_decode(ctx, batch) != 0) {
        fprintf(stderr, "llama_logits: llama_decode failed on the prompt\n");
        return 1;
    }
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        fprintf(stderr, "llama_logits: cannot write %s\n", argv[2]);
        return 1;
    }
    for (int i = 0; i < n_prompt; i++) fwrite(llama_get_logits_ith(ctx, i), sizeof(float), (size_t)vocab, f);
    fclose(f);
    int next = argmax(llama_get_logits_ith(ctx, n_prompt - 1), vocab);
    for (int s = 0; s < n_greedy; s++) {
        printf(s ? " %d" : "%d", next);
        if (s + 1 == n_greedy) break;
        llama_token tok = next;
        if (llama_decode(ctx, llama_batch_get_one(&tok, 1)) != 0) {
            fprintf(stderr, "llama_logits: llama_decode failed at step %d\n", s);
            return 1;
        }
        next = argmax(llama_get_logits_ith(ctx, -1), vocab);
    }
    printf("\n");
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
