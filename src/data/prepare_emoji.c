/* prepare_emoji.c — emoji images (training styles and out-of-style styles)
 * with their names, keywords, skin tone and gender, and their captions. */
#include "prepare_internal.h"

#include "../core/log.h"
#include "../core/progress.h"
#include "../formats/png.h"
#include "../image/resize.h"
#include "emoji_catalog.h"
#include "image_pack.h"

#include <ctype.h>
#include <string.h>

#define EMOJI_SIDE 64

typedef struct {
    const char *style;
    char dir[1024];
} Style;

/* emoji-datasource names files by the lower-case code point sequence; it
 * sometimes drops or keeps FE0F (the emoji presentation selector) where
 * emojibase does the opposite, so try the forms in turn. */
static int find_image(const char *dir, const char *hexcode, char *path, size_t size) {
    char lower[256], stripped[256];
    size_t n = 0, m = 0;
    for (size_t i = 0; hexcode[i] && n + 1 < sizeof lower; i++) lower[n++] = (char)tolower((unsigned char)hexcode[i]);
    lower[n] = 0;
    for (size_t i = 0; lower[i];) {
        if (strncmp(lower + i, "-fe0f", 5) == 0) {
            i += 5;
            continue;
        }
        stripped[m++] = lower[i++];
    }
    stripped[m] = 0;
    const char *forms[3] = {lower, stripped, NULL};
    char with[272];
    snprintf(with, sizeof with, "%s-fe0f", lower);
    forms[2] = with;
    for (int f = 0; f < 3; f++) {
        snprintf(path, size, "%s/%s.png", dir, forms[f]);
        if (file_exists(path)) return 1;
    }
    return 0;
}

static void join_tags(char **tags, int n, char *out, size_t size) {
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(out + len, size - len, "%s%s", i ? ";" : "", tags[i]);
        if (w < 0 || (size_t)w >= size - len) break;
        len += (size_t)w;
    }
}

/* One 64x64 RGB image from a PNG of any size (box-filtered when larger). */
static Image *load_emoji(const char *path, Error *err) {
    Image *img = NULL;
    if (pngio_read_file(path, 3, &img, NULL, err) != 0) return NULL;
    if (img->width == EMOJI_SIDE && img->height == EMOJI_SIDE) return img;
    Image *small = image_resize(img, EMOJI_SIDE, EMOJI_SIDE, IMAGE_BOX, err);
    image_free(img);
    return small;
}

typedef struct {
    ImagePackWriter pack;
    AtomicFile index;
    const Style *styles;
    int n_styles;
    DataSource source;
} StyleSet;

static int open_set(StyleSet *set, const char *out_dir, const char *stem, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.bin", out_dir, stem);
    if (image_pack_create(&set->pack, path, EMOJI_SIDE, EMOJI_SIDE, 3, err) != 0) return -1;
    snprintf(path, sizeof path, "%s/%s.tsv", out_dir, stem);
    if (atomic_open(&set->index, path, err) != 0) {
        image_pack_abort(&set->pack);
        return -1;
    }
    fputs("row\titem\tstyle\tsplit\tbase\temoji\tgroup_en\tgroup_ko\ttone\tgender\ten_label\tko_label\ten_tags\tko_tags\n",
          set->index.fp);
    return 0;
}

static void abort_set(StyleSet *set) {
    image_pack_abort(&set->pack);
    atomic_abort(&set->index);
}

static int commit_set(StyleSet *set, Error *err) {
    if (image_pack_commit(&set->pack, err) != 0) {
        atomic_abort(&set->index);
        return -1;
    }
    return atomic_commit(&set->index, err);
}

/* Every style's picture of entry e into the set; returns the number added or -1. */
static int add_images(PrepareRun *run, StyleSet *set, const EmojiCatalog *cat, const EmojiEntry *e, DataSplit split,
                      Error *err) {
    static const char *genders[3] = {"", "female", "male"};
    char path[1300], row[32], en_tags[2048], ko_tags[2048];
    join_tags(e->en_tags, e->n_en_tags, en_tags, sizeof en_tags);
    join_tags(e->ko_tags, e->n_ko_tags, ko_tags, sizeof ko_tags);
    const char *group_en = e->group >= 0 && cat->group_en[e->group] ? cat->group_en[e->group] : "";
    const char *group_ko = e->group >= 0 && cat->group_ko[e->group] ? cat->group_ko[e->group] : "";
    int added = 0;
    for (int s = 0; s < set->n_styles; s++) {
        if (!find_image(set->styles[s].dir, e->hexcode, path, sizeof path)) continue;
        Error load_err = {0};
        Image *img = load_emoji(path, &load_err);
        if (!img) {
            log_warn("%s", load_err.message);
            run->counts->images_unreadable++;
            continue;
        }
        snprintf(row, sizeof row, "%u", set->pack.count);
        int rc = image_pack_append(&set->pack, img, err);
        image_free(img);
        if (rc != 0) return -1;
        prepare_row(&set->index, row, e->hexcode, set->styles[s].style, data_split_name(split), e->base, e->emoji,
                    group_en, group_ko, e->tone, genders[e->gender >= 0 && e->gender <= 1 ? e->gender + 1 : 0],
                    e->en_label, e->ko_label, en_tags, ko_tags, NULL);
        added++;
    }
    run->counts->images[set->source][split] += added;
    if (added) run->counts->items[set->source][split]++;
    return added;
}

int prepare_emoji(PrepareRun *run, Error *err) {
    const char *cache = run->options->cache_dir;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/npm/emojibase-data", cache);
    EmojiCatalog cat;
    if (emoji_catalog_load(&cat, dir, err) != 0) return -1;
    run->counts->emoji_without_korean = (long)cat.n_without_korean;
    Style train[2] = {{"google", ""}, {"twitter", ""}}, oos[2] = {{"apple", ""}, {"facebook", ""}};
    for (int s = 0; s < 2; s++) {
        snprintf(train[s].dir, sizeof train[s].dir, "%s/npm/emoji-datasource-%s/img/%s/64", cache, train[s].style,
                 train[s].style);
        snprintf(oos[s].dir, sizeof oos[s].dir, "%s/out-of-style/%s/64", cache, oos[s].style);
        if (!dir_exists(train[s].dir)) {
            emoji_catalog_free(&cat);
            return error_set(err, "%s: missing (run tools/fetch-data)", train[s].dir);
        }
        if (!dir_exists(oos[s].dir)) log_warn("%s: missing; no out-of-style %s images", oos[s].dir, oos[s].style);
    }
    StyleSet sets[2] = {{.styles = train, .n_styles = 2, .source = SOURCE_EMOJI},
                        {.styles = oos, .n_styles = 2, .source = SOURCE_EMOJI_OOS}};
    if (open_set(&sets[0], run->options->out_dir, "emoji64", err) != 0) {
        emoji_catalog_free(&cat);
        return -1;
    }
    if (open_set(&sets[1], run->options->out_dir, "emoji64-oos", err) != 0) {
        abort_set(&sets[0]);
        emoji_catalog_free(&cat);
        return -1;
    }
    Progress bar;
    progress_begin(&bar, "emoji", (int64_t)cat.count, "emoji");
    int rc = 0;
    for (size_t i = 0; i < cat.count && rc == 0; i++) {
        const EmojiEntry *e = &cat.entries[i];
        char key[300];
        snprintf(key, sizeof key, "emoji:%s", e->base);
        DataSplit split = data_split_of(key);
        int n_train = add_images(run, &sets[0], &cat, e, split, err);
        if (n_train < 0 || add_images(run, &sets[1], &cat, e, split, err) < 0) {
            rc = -1;
            break;
        }
        /* The English and Korean names are a translation pair either way. */
        if (hash_set_insert(&run->seen_en, data_hash(e->en_label)) < 0) {
            rc = error_set(err, "out of memory");
            break;
        }
        prepare_row(&run->pairs, data_split_name(split), "emojibase", e->en_label, e->ko_label, NULL);
        run->counts->texts[SOURCE_PAIRS][split]++;
        run->counts->items[SOURCE_PAIRS][split]++;
        if (n_train == 0) {
            run->counts->emoji_without_image++;
            continue;
        }
        CaptionList captions;
        captions_for_emoji(e, &captions);
        prepare_captions(run, SOURCE_EMOJI, split, e->hexcode, "-", &captions);
        char images[16], texts[16];
        snprintf(images, sizeof images, "%d", n_train);
        snprintf(texts, sizeof texts, "%d", captions.count);
        prepare_row(&run->manifest, e->hexcode, "emoji", data_split_name(split), images, texts, NULL);
        progress_update(&bar, (int64_t)i + 1, NULL);
    }
    progress_done(&bar);
    if (rc == 0) rc = commit_set(&sets[0], err);
    if (rc == 0) rc = commit_set(&sets[1], err);
    if (rc != 0) {
        abort_set(&sets[0]);
        abort_set(&sets[1]);
    }
    emoji_catalog_free(&cat);
    return rc;
}
