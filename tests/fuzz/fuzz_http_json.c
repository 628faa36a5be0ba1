/* libFuzzer target: the API's JSON request bodies (src/server/request.h).
 * The first byte picks the route: chat, completions, images, translations.
 * Accepted requests must respect every limit; rejected ones must be 4xx/503
 * with a message; one allocation failure per input must fail cleanly. */
#include "core/mem.h"
#include "server/request.h"

#include <stdint.h>
#include <string.h>

static int parse(int route, const char *body, size_t len, const ApiLimits *l, ApiError *e) {
    union {
        ChatRequest chat;
        CompletionRequest comp;
        ImageRequest img;
        TranslateRequest tr;
    } r;
    switch (route) {
    case 0:
        if (chat_request_parse(&r.chat, body, len, l, e) != 0) return -1;
        if (r.chat.n_msgs < 1 || r.chat.n_msgs > l->max_messages || r.chat.gen.n < 1 || r.chat.gen.n > l->max_n ||
            r.chat.gen.max_tokens < 1 || r.chat.gen.max_tokens > l->max_tokens)
            __builtin_trap();
        for (int i = 0; i < r.chat.n_msgs; i++) {
            if (!r.chat.msgs[i].text || !r.chat.msgs[i].role) __builtin_trap();
            if (r.chat.msgs[i].image && (r.chat.msgs[i].image_w > l->max_side || r.chat.msgs[i].image_h > l->max_side))
                __builtin_trap();
        }
        chat_request_free(&r.chat);
        return 0;
    case 1:
        if (completion_request_parse(&r.comp, body, len, l, e) != 0) return -1;
        if (r.comp.prompt ? strlen(r.comp.prompt) > l->max_text
                          : !r.comp.prompt_ids || r.comp.n_prompt_ids < 1 || (size_t)r.comp.n_prompt_ids > l->max_text / 4)
            __builtin_trap();
        for (int i = 0; !r.comp.prompt && i < r.comp.n_prompt_ids; i++)
            if (r.comp.prompt_ids[i] < 0) __builtin_trap();
        completion_request_free(&r.comp);
        return 0;
    case 2:
        if (image_request_parse(&r.img, body, len, l, e) != 0) return -1;
        if (r.img.n < 1 || r.img.n > 10 || r.img.width < 16 || r.img.width > l->max_side || r.img.height < 16 ||
            r.img.height > l->max_side || !r.img.prompt)
            __builtin_trap();
        image_request_free(&r.img);
        return 0;
    default:
        if (translate_request_parse(&r.tr, body, len, l, e) != 0) return -1;
        if (r.tr.n < 1 || r.tr.n > REQ_MAX_TRANSLATE) __builtin_trap();
        translate_request_free(&r.tr);
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ApiLimits l;
    api_limits_default(&l);
    l.max_image = 1 << 16;
    l.max_side = 256;
    int route = data[0] % 4;
    const char *body = (const char *)data + 1;
    ApiError e;
    memset(&e, 0, sizeof e);
    api_json_hooks();
    mem_fail_after(0);
    if (parse(route, body, size - 1, &l, &e) != 0 &&
        (!e.message[0] || !(e.status == 400 || e.status == 404 || e.status == 503)))
        __builtin_trap();
    long n_allocs = mem_alloc_count();
    if (n_allocs > 0) {
        mem_fail_after(1 + (long)((size * 2654435761u) % (size_t)n_allocs));
        memset(&e, 0, sizeof e);
        int rc = parse(route, body, size - 1, &l, &e);
        mem_fail_after(0);
        if (rc != 0 && !e.message[0]) __builtin_trap();
    }
    return 0;
}
