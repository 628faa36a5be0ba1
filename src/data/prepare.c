/* prepare.c — the driver of `data prepare`: output files, shared helpers,
 * and the order of the sources (emoji first, so emoji names claim their
 * English text before UI catalogs do). */
#include "prepare_internal.h"

#include "../core/log.h"
#include "../core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *data_source_name(DataSource source) {
    static const char *names[DATA_N_SOURCES] = {"emoji", "emoji-oos", "texture64", "texture128", "pairs"};
    return (unsigned)source < DATA_N_SOURCES ? names[source] : "?";
}

static void put_field(FILE *fp, const char *s) {
    for (; *s; s++) fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp);
}

void prepare_row(AtomicFile *file, const char *first, ...) {
    va_list ap;
    va_start(ap, first);
    for (const char *f = first; f; f = va_arg(ap, const char *)) {
        if (f != first) fputc('\t', file->fp);
        put_field(file->fp, f);
    }
    va_end(ap);
    fputc('\n', file->fp);
}

void prepare_corpus_line(PrepareRun *run, DataSplit split, const char *text) {
    put_field(run->corpus[split].fp, text);
    fputc('\n', run->corpus[split].fp);
    run->counts->corpus_lines[split]++;
    run->counts->corpus_bytes[split] += strlen(text) + 1;
}

void prepare_captions(PrepareRun *run, DataSource source, DataSplit split, const char *item, const char *image,
                      const CaptionList *captions) {
    for (int i = 0; i < captions->count; i++) {
        prepare_row(&run->captions, data_split_name(split), item, image, captions->items[i].lang,
                    captions->items[i].text, NULL);
        prepare_corpus_line(run, split, captions->items[i].text);
    }
    run->counts->texts[source][split] += captions->count;
}

int hash_set_insert(HashSet *set, uint64_t hash) {
    if (hash == 0) hash = 1;
    if ((set->count + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        uint64_t *slots = mem_calloc(cap, sizeof *slots);
        if (!slots) return -1;
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slots[i]) continue;
            size_t j = set->slots[i] & (cap - 1);
            while (slots[j]) j = (j + 1) & (cap - 1);
            slots[j] = set->slots[i];
        }
        mem_free(set->slots);
        set->slots = slots;
        set->cap = cap;
    }
    size_t j = hash & (set->cap - 1);
    while (set->slots[j]) {
        if (set->slots[j] == hash) return 0;
        j = (j + 1) & (set->cap - 1);
    }
    set->slots[j] = hash;
    set->count++;
    return 1;
}

void hash_set_free(HashSet *set) {
    mem_free(set->slots);
    memset(set, 0, sizeof *set);
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void prepare_list_free(char **names, int count) {
    for (int i = 0; i < count; i++) mem_free(names[i]);
    mem_free(names);
}

int prepare_list_dir(const char *dir, const char *suffix, char ***names, int *count, Error *err) {
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) return error_set(err, "%s: cannot open folder: %s", dir, strerror(errno));
    int cap = 0;
    struct dirent *e;
    size_t suffix_len = strlen(suffix);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < suffix_len || strcmp(e->d_name + len - suffix_len, suffix) != 0) continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = mem_realloc(*names, sizeof(char *) * (size_t)cap);
            if (!grown) goto oom;
            *names = grown;
        }
        (*names)[*count] = mem_strdup(e->d_name);
        if (!(*names)[*count]) goto oom;
        (*count)++;
    }
    closedir(d);
    qsort(*names, (size_t)*count, sizeof(char *), compare_names);
    return 0;
oom:
    closedir(d);
    prepare_list_free(*names, *count);
    *names = NULL;
    *count = 0;
    return error_set(err, "%s: out of memory listing the folder", dir);
}

static const char format_doc[] =
    "# EXAONE-mini dataset (written by `exaone data prepare`)\n\n"
    "Splits are by item: FNV-1a 64 of the item key mod 20 -> 0 test, 1 val, else train.\n"
    "Keys: emoji:<base hexcode> (skin tones go with their base), texture:<Category/file>,\n"
    "pair:<English text>. The same emoji in every style is in the same split.\n\n"
    "- `*.bin`: image packs. 32-byte header: magic `EXIMGP01`, u32 LE width, height,\n"
    "  channels, count, 8 zero bytes; then count images, row-major RGB (alpha over white).\n"
    "- `emoji64.tsv`: row, item (hexcode), style, split, base, emoji, group_en, group_ko,\n"
    "  tone (1-5, \"1,5\" for two people, empty), gender (female/male/empty), en_label,\n"
    "  ko_label, en_tags (;), ko_tags (;). Row = index in emoji64.bin.\n"
    "- `emoji64-oos.*`: the same for styles kept out of training (apple, facebook):\n"
    "  for out-of-style evaluation only. Never train on them.\n"
    "- `texture64.tsv`, `texture128.tsv`: row, item, split, category, name_en, name_ko,\n"
    "  x, y (crop origin, wraps around), colour1, share1, colour2, share2.\n"
    "- `captions.tsv`: split, item, image (`-` = every image of the item, or\n"
    "  `texture64:ROW`), lang (en/ko), text.\n"
    "- `pairs.tsv`: split, source (Debian package or emojibase), en, ko.\n"
    "- `corpus-{train,val,test}.txt`: bilingual plain text, one caption or sentence a line.\n"
    "- `manifest.tsv`: item, source, split, images, texts.\n";

static int open_out(AtomicFile *f, const char *dir, const char *name, const char *header, Error *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (atomic_open(f, path, err) != 0) return -1;
    if (header) fputs(header, f->fp);
    return 0;
}

static int commit_out(AtomicFile *f, Error *err) {
    if (!f->fp) return 0;
    if (ferror(f->fp)) {
        atomic_abort(f);
        return error_set(err, "%s: write failed", f->final_path);
    }
    return atomic_commit(f, err);
}

static void abort_all(PrepareRun *run) {
    atomic_abort(&run->captions);
    atomic_abort(&run->pairs);
    atomic_abort(&run->manifest);
    for (int s = 0; s < DATA_N_SPLITS; s++) atomic_abort(&run->corpus[s]);
}

static int make_dirs(const char *path, Error *err) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return error_set(err, "%s: cannot create: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) return error_set(err, "%s: cannot create: %s", buf, strerror(errno));
    return 0;
}

int data_prepare(const DataPrepareOptions *options, DataCounts *counts, Error *err) {
    memset(counts, 0, sizeof *counts);
    if (!dir_exists(options->cache_dir))
        return error_set(err, "%s: no data cache here (run tools/fetch-data first)", options->cache_dir);
    if (make_dirs(options->out_dir, err) != 0) return -1;
    PrepareRun run = {.options = options, .counts = counts};
    const char *dir = options->out_dir;
    static const char *corpus_names[DATA_N_SPLITS] = {"corpus-train.txt", "corpus-val.txt", "corpus-test.txt"};
    int rc = open_out(&run.captions, dir, "captions.tsv", "split\titem\timage\tlang\ttext\n", err);
    if (rc == 0) rc = open_out(&run.pairs, dir, "pairs.tsv", "split\tsource\ten\tko\n", err);
    if (rc == 0) rc = open_out(&run.manifest, dir, "manifest.tsv", "item\tsource\tsplit\timages\ttexts\n", err);
    for (int s = 0; s < DATA_N_SPLITS && rc == 0; s++) rc = open_out(&run.corpus[s], dir, corpus_names[s], NULL, err);
    if (rc == 0) rc = prepare_emoji(&run, err);
    if (rc == 0) rc = prepare_textures(&run, err);
    if (rc == 0) rc = prepare_pairs(&run, err);
    if (rc == 0) rc = commit_out(&run.captions, err);
    if (rc == 0) rc = commit_out(&run.pairs, err);
    if (rc == 0) rc = commit_out(&run.manifest, err);
    for (int s = 0; s < DATA_N_SPLITS && rc == 0; s++) rc = commit_out(&run.corpus[s], err);
    if (rc == 0) {
        char path[1024];
        snprintf(path, sizeof path, "%s/FORMAT.md", dir);
        rc = file_write_atomic(path, format_doc, sizeof format_doc - 1, err);
    }
    if (rc != 0) abort_all(&run);
    hash_set_free(&run.seen_en);
    return rc;
}
