/* emoji_catalog.c — emojibase en/ko data.json joined on hexcode (cJSON). */
#include "emoji_catalog.h"

#include "../core/file.h"
#include "../core/mem.h"
#include "../formats/fmt_util.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_BYTES ((size_t)64 << 20)

void emoji_catalog_free(EmojiCatalog *cat) {
    if (!cat) return;
    for (size_t i = 0; i < cat->count; i++) {
        EmojiEntry *e = &cat->entries[i];
        mem_free(e->hexcode);
        mem_free(e->base);
        mem_free(e->emoji);
        mem_free(e->en_label);
        mem_free(e->ko_label);
        for (int t = 0; t < e->n_en_tags; t++) mem_free(e->en_tags[t]);
        for (int t = 0; t < e->n_ko_tags; t++) mem_free(e->ko_tags[t]);
        mem_free(e->en_tags);
        mem_free(e->ko_tags);
    }
    for (int g = 0; g < EMOJI_MAX_GROUPS; g++) {
        mem_free(cat->group_en[g]);
        mem_free(cat->group_ko[g]);
    }
    mem_free(cat->entries);
    memset(cat, 0, sizeof *cat);
}

static int load_json(const char *dir, const char *name, cJSON **out, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = NULL;
    size_t size = 0;
    if (file_read_all(path, JSON_MAX_BYTES, &text, &size, err) != 0) return -1;
    *out = cJSON_ParseWithLength(text, size);
    mem_free(text);
    if (!*out) return error_set(err, "%s: invalid JSON", path);
    return 0;
}

static const char *json_string(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A Korean entry, found by binary search on hexcode. */
typedef struct {
    const char *hexcode;
    const cJSON *entry;
    const cJSON *parent; /* for skins: where the keywords are */
} KoRef;

static int compare_ko(const void *a, const void *b) {
    return strcmp(((const KoRef *)a)->hexcode, ((const KoRef *)b)->hexcode);
}

/* Every entry and skin of a data.json, flattened; refs may be NULL to count. */
static size_t flatten(const cJSON *root, KoRef *refs) {
    size_t n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (!json_string(e, "hexcode")) continue;
        if (refs) refs[n] = (KoRef){json_string(e, "hexcode"), e, e};
        n++;
        const cJSON *skin;
        cJSON_ArrayForEach(skin, cJSON_GetObjectItemCaseSensitive(e, "skins")) {
            if (!json_string(skin, "hexcode")) continue;
            if (refs) refs[n] = (KoRef){json_string(skin, "hexcode"), skin, e};
            n++;
        }
    }
    return n;
}

static int copy_tags(const cJSON *obj, char ***out, int *n_out) {
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(obj, "tags");
    int n = cJSON_IsArray(tags) ? cJSON_GetArraySize(tags) : 0;
    *out = NULL;
    *n_out = 0;
    if (n == 0) return 0;
    *out = mem_calloc((size_t)n, sizeof(char *));
    if (!*out) return -1;
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) {
        if (!cJSON_IsString(t)) continue;
        (*out)[*n_out] = mem_strdup(t->valuestring);
        if (!(*out)[*n_out]) return -1;
        (*n_out)++;
    }
    return 0;
}

static void describe_tone(const cJSON *obj, char tone[16]) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "tone");
    tone[0] = 0;
    if (cJSON_IsNumber(t)) {
        snprintf(tone, 16, "%d", t->valueint);
    } else if (cJSON_IsArray(t)) {
        size_t n = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, t) {
            if (cJSON_IsNumber(x) && n + 3 < 16) n += (size_t)snprintf(tone + n, 16 - n, "%s%d", n ? "," : "", x->valueint);
        }
    }
}

static int load_groups(EmojiCatalog *cat, const cJSON *messages, int ko, Error *err) {
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(messages, "groups")) {
        const cJSON *order = cJSON_GetObjectItemCaseSensitive(g, "order");
        const char *text = json_string(g, "message");
        if (!cJSON_IsNumber(order) || !text || order->valueint < 0 || order->valueint >= EMOJI_MAX_GROUPS) continue;
        char **slot = ko ? &cat->group_ko[order->valueint] : &cat->group_en[order->valueint];
        mem_free(*slot);
        *slot = mem_strdup(text);
        if (!*slot) return error_set(err, "emojibase: out of memory");
    }
    return 0;
}

/* emojibase marks gender only on entries that have gendered siblings
 * ("man: beard"); "man judge" or "family: man, boy" carry it in their code
 * points instead: MAN/BOY/OLD MAN/PRINCE/MALE SIGN vs WOMAN/GIRL/OLD
 * WOMAN/PRINCESS/FEMALE SIGN. Both kinds -> 2 (mixed). */
static int gender_from_codepoints(const char *hexcode) {
    static const unsigned long male[] = {0x1F468, 0x1F466, 0x1F474, 0x1F934, 0x2642}, female[] = {0x1F469, 0x1F467, 0x1F475, 0x1F478, 0x2640};
    int has_male = 0, has_female = 0;
    for (const char *p = hexcode; *p;) {
        char *end;
        unsigned long cp = strtoul(p, &end, 16);
        if (end == p) break;
        for (size_t i = 0; i < sizeof male / sizeof male[0]; i++) {
            has_male |= cp == male[i];
            has_female |= cp == female[i];
        }
        p = *end == '-' ? end + 1 : end;
    }
    return has_male && has_female ? 2 : has_male ? 1 : has_female ? 0 : -1;
}

static int add_entry(EmojiCatalog *cat, const cJSON *en, const cJSON *en_parent, const KoRef *ko, Error *err) {
    EmojiEntry *e = &cat->entries[cat->count++];
    const cJSON *group = cJSON_GetObjectItemCaseSensitive(en_parent, "group");
    const cJSON *gender = cJSON_GetObjectItemCaseSensitive(en, "gender");
    e->group = cJSON_IsNumber(group) && group->valueint >= 0 && group->valueint < EMOJI_MAX_GROUPS ? group->valueint : -1;
    e->gender = cJSON_IsNumber(gender) ? gender->valueint : gender_from_codepoints(json_string(en, "hexcode"));
    describe_tone(en, e->tone);
    e->hexcode = mem_strdup(json_string(en, "hexcode"));
    e->base = mem_strdup(json_string(en_parent, "hexcode"));
    e->emoji = mem_strdup(json_string(en, "emoji") ? json_string(en, "emoji") : "");
    e->en_label = mem_strdup(json_string(en, "label"));
    e->ko_label = mem_strdup(json_string(ko->entry, "label"));
    if (!e->hexcode || !e->base || !e->emoji || !e->en_label || !e->ko_label ||
        copy_tags(en_parent, &e->en_tags, &e->n_en_tags) != 0 || copy_tags(ko->parent, &e->ko_tags, &e->n_ko_tags) != 0)
        return error_set(err, "emojibase: out of memory");
    return 0;
}

int emoji_catalog_load(EmojiCatalog *cat, const char *dir, Error *err) {
    memset(cat, 0, sizeof *cat);
    fmt_json_hooks();
    cJSON *en = NULL, *ko = NULL, *en_msg = NULL, *ko_msg = NULL;
    KoRef *refs = NULL;
    int rc = -1;
    if (load_json(dir, "en/data.json", &en, err) != 0 || load_json(dir, "ko/data.json", &ko, err) != 0) goto done;
    if (!cJSON_IsArray(en) || !cJSON_IsArray(ko)) {
        error_set(err, "%s: data.json is not an array", dir);
        goto done;
    }
    /* Group names are optional: captions fall back to none. */
    Error ignored = {0};
    if (load_json(dir, "en/messages.json", &en_msg, &ignored) == 0 && load_groups(cat, en_msg, 0, err) != 0) goto done;
    if (load_json(dir, "ko/messages.json", &ko_msg, &ignored) == 0 && load_groups(cat, ko_msg, 1, err) != 0) goto done;
    size_t n_ko = flatten(ko, NULL), n_en = flatten(en, NULL);
    refs = mem_calloc(n_ko ? n_ko : 1, sizeof *refs);
    cat->entries = mem_calloc(n_en ? n_en : 1, sizeof *cat->entries);
    if (!refs || !cat->entries) {
        error_set(err, "emojibase: out of memory for %zu entries", n_en);
        goto done;
    }
    flatten(ko, refs);
    qsort(refs, n_ko, sizeof *refs, compare_ko);
    const cJSON *e;
    cJSON_ArrayForEach(e, en) {
        if (!json_string(e, "hexcode") || !json_string(e, "label")) continue;
        for (int skin = -1; skin < cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e, "skins")); skin++) {
            const cJSON *entry = skin < 0 ? e : cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "skins"), skin);
            if (!json_string(entry, "hexcode") || !json_string(entry, "label")) continue;
            KoRef key = {json_string(entry, "hexcode"), NULL, NULL};
            const KoRef *k = bsearch(&key, refs, n_ko, sizeof *refs, compare_ko);
            if (!k || !json_string(k->entry, "label")) {
                cat->n_without_korean++;
                continue;
            }
            if (add_entry(cat, entry, e, k, err) != 0) goto done;
        }
    }
    rc = 0;
done:
    cJSON_Delete(en);
    cJSON_Delete(ko);
    cJSON_Delete(en_msg);
    cJSON_Delete(ko_msg);
    mem_free(refs);
    if (rc != 0) emoji_catalog_free(cat);
    return rc;
}
