/* Shared --explain handling of draw and caption (see explain_cli.h). */
#include "explain_cli.h"

#include "../core/mem.h"
#include "../core/threadpool.h"
#include "../formats/png.h"
#include "../models/mini_image.h"
#include "../train/mini_train.h"

#include <stdio.h>
#include <string.h>

int explain_cli_flag(Args *args, ExplainFlags *f) {
    if (args_flag(args, NULL, "--explain")) return f->on = 1;
    if (args_flag(args, NULL, "--rollout")) return f->rollout = 1;
    return args_value(args, NULL, "--explain-method", &f->method);
}

int explain_cli_method(const char *command, const ExplainFlags *f) {
    const char *name = f->method ? f->method : "attn";
    int method = strcmp(name, "rollout") == 0 ? -1 : mini_explain_method(name);
    if (method < 0) {
        fprintf(stderr, "%s: --explain-method wants attn, grad, occlusion, shapley or partition, not \"%s\"\n", command, name);
        return -1;
    }
    if (f->rollout && method != MINI_EXPLAIN_ATTENTION) {
        fprintf(stderr, "%s: --rollout goes with --explain-method attn\n", command);
        return -1;
    }
    if ((f->rollout || f->method) && !f->on) {
        fprintf(stderr, "%s: --explain-method / --rollout need --explain\n", command);
        return -1;
    }
    return f->rollout ? MINI_EXPLAIN_ROLLOUT : method;
}

int explain_cli_write(const char *command, MiniModel *m, const char *model_dir, int method, int threads, int draw,
                      const char *text, int lang, const int *codes, const char *png_path, const char *out_path) {
    Error err = {0};
    Gpt *g = NULL;
    ThreadPool *pool = method == MINI_EXPLAIN_GRADIENT && threads > 1 ? pool_new(threads) : NULL;
    Image *rgb = NULL;
    MiniExplanation e = {0};
    char what[512];
    snprintf(what, sizeof what, "%s \"%s\" (%s)", draw ? "prompt" : "caption", text, mini_explain_method_name(method));
    const MiniVocab *v = mini_vocab(m);
    int *blank = mem_alloc((size_t)v->grid_h * v->grid_w * sizeof(int));
    int rc = blank ? 0 : error_set(&err, "out of memory");
    if (!rc && method == MINI_EXPLAIN_GRADIENT) rc = mini_import(&g, model_dir, 16, pool, &err);
    if (!rc && mini_explain_removes_parts(method) && !draw)
        rc = mini_image_blank_codes(model_dir, blank, v->grid_h, v->grid_w, &err);
    MiniExplainAids aids = {g, blank};
    if (!rc) rc = draw ? mini_explain_draw(m, &aids, text, codes, method, &e, &err)
                       : mini_explain_caption(m, &aids, codes, lang, text, method, &e, &err);
    if (!rc) rc = pngio_read_file(png_path, 3, &rgb, NULL, &err);
    if (!rc) rc = mini_explain_write(&e, rgb, out_path, what, &err);
    if (rc) {
        fprintf(stderr, "%s: explain: %s\n", command, err.message);
    } else {
        fprintf(stderr, "wrote %s (%s maps of %s)\n", out_path, mini_explain_method_name(method), text);
        for (int w = 0; w < e.n_words; w++) fprintf(stderr, "  %d %s\n", w + 1, e.words[w]);
    }
    mini_explanation_free(&e);
    image_free(rgb);
    gpt_free(g);
    mem_free(blank);
    if (pool) pool_free(pool);
    return rc ? 1 : 0;
}
