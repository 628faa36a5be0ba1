/* exaone_info.c — what `exaone info PATH` adds for an EXAONE model: the architecture as
 * the runtime understands it, and whether it loads. */
#include "../core/file.h"
#include "../formats/gguf.h"
#include "exaone.h"

#include <stdio.h>
#include <string.h>

void exaone_print_info(const char *path, FILE *out) {
    size_t n = strlen(path);
    int is_gguf = n > 5 && strcmp(path + n - 5, ".gguf") == 0;
    if (!is_gguf && !dir_exists(path)) return; /* a lone .safetensors file has no config */
    Error err = {0};
    ExaoneModel *m = NULL;
    if (exaone_load(&m, path, &err) != 0) {
        if (!strstr(err.message, "unsupported architecture") && !strstr(err.message, "config.json: cannot open"))
            fprintf(out, "exaone model     not loadable: %s\n", err.message);
        return;
    }
    const ExaoneConfig *c = &m->cfg;
    int n_sliding = 0;
    for (int i = 0; i < c->n_layers; i++) n_sliding += c->sliding_window > 0 && c->sliding[i];
    fprintf(out, "exaone model     EXAONE %s (%s), loads from %s\n", c->arch == EXAONE_V4 ? "4.0" : "3.0/3.5",
            c->arch == EXAONE_V4 ? "exaone4" : "exaone", m->format);
    fprintf(out, "  layers         %d, hidden %d, ffn %d\n", c->n_layers, c->dim, c->ffn_dim);
    fprintf(out, "  attention      %d heads / %d kv heads, head dim %d\n", c->n_heads, c->n_kv_heads, c->head_dim);
    if (n_sliding)
        fprintf(out, "  hybrid         %d sliding-window layers (window %d, RoPE) + %d global (no RoPE)\n", n_sliding,
                c->sliding_window, c->n_layers - n_sliding);
    else
        fprintf(out, "  hybrid         no: every layer global attention with RoPE\n");
    fprintf(out, "  context        %d tokens\n", c->max_ctx);
    if (c->rope_factors)
        fprintf(out, "  rope           theta %g, rope_freqs tensor (llama3 scaling)\n", c->rope_theta);
    else if (c->rope_llama3)
        fprintf(out, "  rope           theta %g, llama3 x%g (original context %d)\n", c->rope_theta, c->rope_factor,
                c->rope_orig_ctx);
    else
        fprintf(out, "  rope           theta %g\n", c->rope_theta);
    fprintf(out, "  vocab          %d, embeddings %s\n", c->vocab, c->tied ? "tied" : "untied");
    fprintf(out, "  weights        %.3f B parameters, %.2f MiB (%s)\n", m->n_params / 1e9, m->weight_bytes / 1048576.0,
            dtype_name(m->layers[0].wq.type));
    double kv_per_tok = 2.0 * c->n_layers * c->n_kv_heads * c->head_dim * 2;
    fprintf(out, "  kv cache       %.1f MiB per 1k tokens (f16), %.1f MiB for the full context\n",
            kv_per_tok * 1024 / 1048576.0, kv_per_tok * c->max_ctx / 1048576.0);
    char tok[1100];
    snprintf(tok, sizeof tok, "%s/tokenizer.json", path);
    if (m->gguf)
        fprintf(out, "  tokenizer      %s (pre %s)\n", gguf_get_str(m->gguf, "tokenizer.ggml.model") ?
                gguf_get_str(m->gguf, "tokenizer.ggml.model") : "absent",
                gguf_get_str(m->gguf, "tokenizer.ggml.pre") ? gguf_get_str(m->gguf, "tokenizer.ggml.pre") : "-");
    else
        fprintf(out, "  tokenizer      %s\n", file_exists(tok) ? "tokenizer.json" : "absent (no tokenizer.json)");
    exaone_free(m);
}
