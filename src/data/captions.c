/* captions.c — caption templates (see captions.h). */
#include "captions.h"

#include "split.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void add(CaptionList *out, const char *lang, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(CaptionList *out, const char *lang, const char *fmt, ...) {
    if (out->count >= CAPTIONS_MAX) return;
    Caption *c = &out->items[out->count];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->text, sizeof c->text, fmt, ap);
    va_end(ap);
    if (n <= 0 || (size_t)n >= sizeof c->text) return; /* never a cut-off caption */
    for (int i = 0; i < out->count; i++)
        if (strcmp(out->items[i].text, c->text) == 0) return;
    c->lang = lang;
    out->count++;
}

void caption_with_article(const char *phrase, char *out, size_t out_size) {
    int vowel = strchr("aeiouAEIOU", phrase[0]) != NULL && phrase[0];
    /* "an 8-ball" is rare enough; "a one-piece", "a unicorn", "a European" are common. */
    if (strncmp(phrase, "one", 3) == 0 || strncmp(phrase, "uni", 3) == 0 || strncmp(phrase, "Euro", 4) == 0) vowel = 0;
    snprintf(out, out_size, "%s %s", vowel ? "an" : "a", phrase);
}

/* Up to `want` keywords not already words of the label, in an order shuffled
 * by the item's hash, joined by ", ". */
static void pick_keywords(char **tags, int n, const char *label, uint64_t seed, int want, char *out, size_t size) {
    out[0] = 0;
    int order[64], m = 0;
    for (int i = 0; i < n && m < 64; i++)
        if (!strstr(label, tags[i]) && !strchr(tags[i], '\t')) order[m++] = i;
    for (int i = m - 1; i > 0; i--) { /* Fisher-Yates with an LCG on the seed */
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int j = (int)((seed >> 33) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    size_t len = 0;
    for (int i = 0; i < m && i < want; i++) {
        int w = snprintf(out + len, size - len, "%s%s", len ? ", " : "", tags[order[i]]);
        if (w < 0 || (size_t)w >= size - len) {
            out[len] = 0;
            break;
        }
        len += (size_t)w;
    }
}

/* "flag: South Korea" -> "South Korea"; "waving hand: light skin tone" -> parts. */
static int split_label(const char *label, char *head, char *tail, size_t size) {
    const char *colon = strstr(label, ": ");
    if (!colon || (size_t)(colon - label) >= size) return 0;
    snprintf(head, size, "%.*s", (int)(colon - label), label);
    snprintf(tail, size, "%s", colon + 2);
    return 1;
}

void captions_for_emoji(const EmojiEntry *e, CaptionList *out) {
    out->count = 0;
    char head[128], tail[128], a_label[160], keys[200];
    uint64_t seed = data_hash(e->hexcode);
    /* English */
    const char *en = e->en_label;
    if (split_label(en, head, tail, sizeof head) && strcmp(head, "flag") == 0) {
        add(out, "en", "the flag of %s", tail);
        add(out, "en", "%s flag", tail);
        add(out, "en", "an emoji of the flag of %s", tail);
    } else if (e->tone[0] && split_label(en, head, tail, sizeof head)) {
        caption_with_article(head, a_label, sizeof a_label);
        add(out, "en", "%s", en);
        add(out, "en", "%s with %s", a_label, tail);
        add(out, "en", "an emoji of %s with %s", a_label, tail);
        add(out, "en", "%s emoji, %s", head, tail);
    } else {
        caption_with_article(en, a_label, sizeof a_label);
        add(out, "en", "%s", en);
        add(out, "en", "%s", a_label);
        add(out, "en", "an emoji of %s", a_label);
        add(out, "en", "%s emoji", en);
        add(out, "en", "a picture of %s", a_label);
    }
    pick_keywords(e->en_tags, e->n_en_tags, en, seed, 3, keys, sizeof keys);
    if (keys[0]) add(out, "en", "%s, %s", en, keys);
    pick_keywords(e->en_tags, e->n_en_tags, "", seed + 1, 4, keys, sizeof keys);
    if (keys[0]) add(out, "en", "%s", keys);
    /* Korean */
    const char *ko = e->ko_label;
    if (split_label(ko, head, tail, sizeof head) && strcmp(head, "깃발") == 0) {
        add(out, "ko", "%s 국기", tail);
        add(out, "ko", "%s의 국기", tail);
        add(out, "ko", "%s 국기 이모지", tail);
    } else if (e->tone[0] && split_label(ko, head, tail, sizeof head)) {
        add(out, "ko", "%s", ko);
        add(out, "ko", "%s의 %s", tail, head);
        add(out, "ko", "%s의 %s 이모지", tail, head);
    } else {
        add(out, "ko", "%s", ko);
        add(out, "ko", "%s 이모지", ko);
        add(out, "ko", "%s 그림", ko);
    }
    pick_keywords(e->ko_tags, e->n_ko_tags, ko, seed, 3, keys, sizeof keys);
    if (keys[0]) add(out, "ko", "%s, %s", ko, keys);
    pick_keywords(e->ko_tags, e->n_ko_tags, "", seed + 1, 4, keys, sizeof keys);
    if (keys[0]) add(out, "ko", "%s", keys);
}

void captions_for_texture(TextureName name, TextureName category, const ColourSummary *c, CaptionList *out) {
    out->count = 0;
    char phrase[160];
    const char *c1 = colour_en(c->top[0]);
    snprintf(phrase, sizeof phrase, "%s %s texture", c1, name.en);
    char a_phrase[192];
    caption_with_article(phrase, a_phrase, sizeof a_phrase);
    add(out, "en", "%s %s", c1, name.en);
    add(out, "en", "%s", a_phrase);
    add(out, "en", "seamless %s tile, %s", name.en, c1);
    add(out, "en", "%s pattern", name.en);
    if (c->n_top > 1) add(out, "en", "%s and %s %s pattern", c1, colour_en(c->top[1]), name.en);
    if (strcmp(category.en, name.en) != 0) add(out, "en", "%s texture, %s, %s", category.en, name.en, c1);
    add(out, "ko", "%s %s", colour_ko_modifier(c->top[0]), name.ko);
    add(out, "ko", "%s %s 질감", colour_ko_modifier(c->top[0]), name.ko);
    add(out, "ko", "이음새 없는 %s 타일", name.ko);
    add(out, "ko", "%s 무늬", name.ko);
    /* Every Korean colour noun ends in 색, a closed syllable: the particle is 과. */
    if (c->n_top > 1)
        add(out, "ko", "%s과 %s %s 무늬", colour_ko_noun(c->top[0]), colour_ko_noun(c->top[1]), name.ko);
    if (strcmp(category.ko, name.ko) != 0) add(out, "ko", "%s 질감, %s, %s", category.ko, name.ko, colour_ko_noun(c->top[0]));
}
