/* Image routes: POST /v1/images/generations and /v1/images/edits (OpenAI
 * shapes, b64_json). The model draws at its own size; here the drawing is
 * made tileable (pattern mode), resized to `size`, PNG- and base64-encoded. */
#include "server_internal.h"

#include "../core/mem.h"
#include "../formats/png.h"
#include "../image/resize.h"
#include "../image/tileable.h"
#include "dataurl.h"
#include "metrics.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    ImageRequest req;
    ServerModel *model;
    char *b64[10];
    uint64_t seeds[10];
    BackendWordMap *maps[10]; /* "explain": per picture, per word */
    int n_maps[10];
    int failed;
    Error err;
} ImgCtx;

/* Nearest-neighbour shrink of the keep mask to the model's size: a model
 * pixel is kept only when every image pixel it covers is kept. */
static uint8_t *shrink_keep(const uint8_t *keep, int w, int h, int W, int H) {
    uint8_t *k = mem_alloc((size_t)W * H);
    if (!k) return NULL;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int y0 = y * h / H, y1 = (y + 1) * h / H, x0 = x * w / W, x1 = (x + 1) * w / W, all = 1;
            if (y1 <= y0) y1 = y0 + 1;
            if (x1 <= x0) x1 = x0 + 1;
            for (int yy = y0; yy < y1 && all; yy++)
                for (int xx = x0; xx < x1; xx++)
                    if (!keep[(size_t)yy * w + xx]) {
                        all = 0;
                        break;
                    }
            k[(size_t)y * W + x] = (uint8_t)all;
        }
    return k;
}

/* An RGB image holding a copy of rgb [h][w][3]. */
static Image *rgb_image(const uint8_t *rgb, int w, int h, Error *err) {
    Image *im = image_new(w, h, 3, err);
    if (im) memcpy(im->pixels, rgb, image_bytes(im));
    return im;
}

cJSON *server_explain_json(const BackendWordMap *maps, int n, const char *method) {
    cJSON *o = cJSON_CreateObject(), *words = o ? cJSON_AddArrayToObject(o, "words") : NULL;
    int ok = words && cJSON_AddStringToObject(o, "method", method);
    for (int i = 0; ok && i < n; i++) {
        char *b64 = NULL;
        size_t len;
        Error err = {0};
        cJSON *w = cJSON_CreateObject();
        ok = w && base64_encode(maps[i].png, maps[i].png_len, &b64, &len, &err) == 0 &&
             cJSON_AddStringToObject(w, "word", maps[i].word) && cJSON_AddStringToObject(w, "b64_json", b64);
        mem_free(b64);
        if (w) cJSON_AddItemToArray(words, w);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int server_check_explain(const ServerModel *model, const ExplainRequest *x, ApiError *e) {
    if (!x->on || model->backend->explain) return 0;
    return api_bad_param(e, "explain", "The model '%s' does not support 'explain'.", model->id);
}

/* One picture: draw or inpaint at the model's size, then to the asked size;
 * with "explain", also the maps of the prompt over the model-size picture. */
static int make_one(ImgCtx *t, void *inst, uint64_t seed, int index, Image **out) {
    const Backend *b = t->model->backend;
    int W, H;
    b->image_size(inst, &W, &H);
    uint8_t *rgb = NULL, *keep = NULL;
    Image *small = NULL, *src = NULL, *src_small = NULL, *big = NULL, *orig = NULL;
    int rc = -1, brc = 0;
    *out = NULL;
    if (t->req.image) {
        keep = shrink_keep(t->req.keep, t->req.image_w, t->req.image_h, W, H);
        if (!keep) {
            error_set(&t->err, "out of memory");
            goto done;
        }
        if (!(src = rgb_image(t->req.image, t->req.image_w, t->req.image_h, &t->err)) ||
            !(src_small = image_resize(src, W, H, IMAGE_BILINEAR, &t->err)) ||
            (brc = b->inpaint(inst, t->req.prompt, src_small->pixels, keep, seed, &rgb, &t->err)) != 0)
            goto done;
    } else if ((brc = b->draw(inst, t->req.prompt, seed, &rgb, &t->err)) != 0) {
        goto done;
    }
    if (!(small = rgb_image(rgb, W, H, &t->err))) goto done;
    if (t->req.explain.on &&
        (brc = b->explain(inst, rgb, W, H, t->req.prompt, 1, t->req.explain.method, &t->maps[index],
                          &t->n_maps[index], &t->err)) != 0)
        goto done;
    if (t->req.tile && image_make_tileable(small, &t->err) != 0) goto done;
    if (!(big = image_resize(small, t->req.width, t->req.height, IMAGE_BILINEAR, &t->err))) goto done;
    if (t->req.image) {
        /* pixels the mask keeps stay exactly as they were */
        if (!(orig = image_resize(src, t->req.width, t->req.height, IMAGE_BILINEAR, &t->err))) goto done;
        uint8_t *keep_big = shrink_keep(t->req.keep, t->req.image_w, t->req.image_h, t->req.width, t->req.height);
        for (size_t i = 0; keep_big && i < (size_t)t->req.width * t->req.height; i++)
            if (keep_big[i]) memcpy(big->pixels + i * 3, orig->pixels + i * 3, 3);
        mem_free(keep_big);
    }
    *out = big;
    big = NULL;
    rc = 0;
done:
    mem_free(rgb);
    mem_free(keep);
    image_free(small);
    image_free(src);
    image_free(src_small);
    image_free(big);
    image_free(orig);
    return brc == BACKEND_BAD_INPUT ? brc : rc;
}

static void img_run(Job *job, int slot) {
    ImgCtx *t = job->ctx;
    void *inst = t->model->inst[slot];
    for (int i = 0; i < t->req.n; i++) {
        if (atomic_load(&job->cancel)) return;
        if (slots_now() > job->deadline) {
            job->timed_out = 1;
            return;
        }
        t->seeds[i] = t->req.has_seed ? t->req.seed + (uint64_t)i : ((uint64_t)(slots_now() * 1e6) + (uint64_t)i) % 1000000007u;
        Image *im = NULL;
        uint8_t *png = NULL;
        size_t png_len, b64_len;
        int rc = make_one(t, inst, t->seeds[i], i, &im);
        if (rc == 0) rc = pngio_encode(im, NULL, 0, &png, &png_len, &t->err);
        if (rc == 0) rc = base64_encode(png, png_len, &t->b64[i], &b64_len, &t->err);
        image_free(im);
        mem_free(png);
        if (rc != 0) {
            t->failed = rc == BACKEND_BAD_INPUT ? rc : -1;
            return;
        }
    }
    metrics_images(t->req.n);
}

static MhdResult img_respond(Server *s, struct MHD_Connection *mc, Conn *c, ImgCtx *t, int rc, ApiError *e) {
    Job job;
    memset(&job, 0, sizeof job);
    job.run = img_run;
    job.ctx = t;
    if (rc == 0) rc = server_run_job(s, mc, &job, e);
    if (rc == 0 && t->failed) rc = server_backend_error(e, t->failed, &t->err);
    cJSON *o = NULL;
    if (rc == 0) {
        o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "created", (double)server_unix_time());
        cJSON *data = cJSON_AddArrayToObject(o, "data");
        for (int i = 0; i < t->req.n; i++) {
            cJSON *d = cJSON_CreateObject();
            cJSON_AddStringToObject(d, "b64_json", t->b64[i]);
            cJSON_AddStringToObject(d, "revised_prompt", t->req.prompt);
            cJSON_AddNumberToObject(d, "seed", (double)t->seeds[i]);
            if (t->req.explain.on) {
                cJSON *x = server_explain_json(t->maps[i], t->n_maps[i], t->req.explain.method);
                if (x) cJSON_AddItemToObject(d, "explain", x);
            }
            cJSON_AddItemToArray(data, d);
        }
        char size[32];
        snprintf(size, sizeof size, "%dx%d", t->req.width, t->req.height);
        cJSON_AddStringToObject(o, "size", size);
        cJSON_AddStringToObject(o, "output_format", "png");
        cJSON_AddStringToObject(o, "model", t->model->id);
    }
    for (int i = 0; i < 10; i++) {
        mem_free(t->b64[i]);
        backend_word_maps_free(t->maps[i], t->n_maps[i]);
    }
    image_request_free(&t->req);
    mem_free(t);
    return rc == 0 ? http_respond_json(mc, c, 200, o) : http_respond_error(mc, c, e);
}

MhdResult route_image_generations(Server *s, struct MHD_Connection *mc, Conn *c) {
    ApiError e;
    ImgCtx *t = mem_calloc(1, sizeof *t);
    if (!t) return MHD_NO;
    int rc = image_request_parse(&t->req, c->body, c->len, &s->cfg.limits, &e);
    if (rc == 0 && !(t->model = server_find_model(s, t->req.model, "image generation", CAN_DRAW, &e))) rc = -1;
    if (rc == 0) rc = server_check_explain(t->model, &t->req.explain, &e);
    return img_respond(s, mc, c, t, rc, &e);
}

MhdResult route_image_edits(Server *s, struct MHD_Connection *mc, Conn *c) {
    ApiError e;
    ImgCtx *t = mem_calloc(1, sizeof *t);
    if (!t) return MHD_NO;
    Multipart *mp = mem_alloc(sizeof *mp);
    Error err = {0};
    int rc = 0;
    if (!mp) rc = api_error(&e, 503, "server_error", NULL, "out_of_memory", "The server is out of memory.");
    else if (multipart_parse(mp, c->content_type, c->body, c->len, &err) != 0)
        rc = api_error(&e, 400, "invalid_request_error", NULL, "invalid_multipart", "%s", err.message);
    if (rc == 0) rc = edit_request_parse(&t->req, mp, &s->cfg.limits, &e);
    mem_free(mp);
    if (rc == 0 && !(t->model = server_find_model(s, t->req.model, "image edits", CAN_INPAINT, &e))) rc = -1;
    if (rc == 0) rc = server_check_explain(t->model, &t->req.explain, &e);
    return img_respond(s, mc, c, t, rc, &e);
}
