/* test_mini_scenes.c — scene augmentation (src/train/mini_scenes.h): which items become
 * objects, the captions of singles and pairs (both orders, Korean 와/과), item numbering,
 * codes in range, determinism per seed, and the errors. */
#include "../harness.h"

#include "core/file.h"
#include "core/mem.h"
#include "formats/png.h"
#include "image/image.h"
#include "models/vq.h"
#include "train/mini_scenes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR "build/tmp/mini_scenes"

/* A 64x64 picture: white with a colored square (object) or all colored (texture). */
static int write_picture(const char *path, uint8_t r, uint8_t g, uint8_t b, int object) {
    Error err = {0};
    Image *img = image_new(64, 64, 3, &err);
    if (!img) return -1;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            uint8_t *p = img->pixels + ((size_t)y * 64 + x) * 3;
            int inside = !object || (x >= 16 && x < 48 && y >= 16 && y < 48);
            p[0] = inside ? r : 255, p[1] = inside ? g : 255, p[2] = inside ? b : 255;
        }
    int rc = pngio_write_file(path, img, NULL, 0, &err);
    image_free(img);
    return rc;
}

static const char *corpus =
    "I\t0\t" DIR "/red.png\n"
    "C\t0\ten\tred box\nC\t0\tko\t빨간 상자\nC\t0\ten\ta red box\n"
    "I\t1\t" DIR "/blue.png\n"
    "C\t1\ten\tblue\nC\t1\tko\t파랑\n"
    "I\t2\t" DIR "/green.png\n"
    "C\t2\tko\t초록 점\nC\t2\ten\tgreen dot\n"
    "I\t3\t" DIR "/red.png\nC\t3\ten\tonly english\n"
    "P\tred\t빨강\n";

/* Runs the augmentation into DIR/NAME; returns the file's text (caller frees) or NULL. */
static char *scenes(VqModel *vq, const char *text, int n, uint64_t seed, const char *name, Error *err) {
    char path[256];
    snprintf(path, sizeof path, DIR "/%s", name);
    AtomicFile out;
    int written = -1;
    if (atomic_open(&out, path, err) != 0) return NULL;
    if (mini_scenes_write(text, strlen(text), vq, 8, n, seed, &out, &written, err) != 0) {
        atomic_abort(&out);
        return NULL;
    }
    if (atomic_commit(&out, err) != 0 || written != n) return NULL;
    char *data = NULL;
    size_t len = 0;
    return file_read_all(path, 1 << 20, &data, &len, err) == 0 ? data : NULL;
}

TEST(korean_and_follows_the_last_syllable) {
    CHECK(!strcmp(mini_scenes_ko_and("사과"), "와"));   /* 과: no final consonant */
    CHECK(!strcmp(mini_scenes_ko_and("얼굴"), "과"));   /* 굴: final ㄹ */
    CHECK(!strcmp(mini_scenes_ko_and("초록 점"), "과")); /* 점: final ㅁ */
    CHECK(!strcmp(mini_scenes_ko_and("빨간 상자"), "와"));
    CHECK(!strcmp(mini_scenes_ko_and("지역 지표 L"), "와")); /* not Hangul */
    CHECK(!strcmp(mini_scenes_ko_and(""), "와"));
}

TEST(scenes_use_objects_on_white_with_their_names) {
    CHECK(system("rm -rf " DIR " && mkdir -p " DIR) == 0);
    CHECK(write_picture(DIR "/red.png", 220, 30, 30, 1) == 0);
    CHECK(write_picture(DIR "/blue.png", 30, 30, 220, 0) == 0); /* full frame: a texture, not an object */
    CHECK(write_picture(DIR "/green.png", 30, 200, 30, 1) == 0);
    Error err = {0};
    VqConfig vc;
    vq_config_default(&vc);
    vc.n_embed = 64;
    VqModel *vq = NULL;
    CHECKF(vq_new(&vq, &vc, NULL, &err) == 0, "%s", err.message);
    if (!vq) return;
    vq_init_random(vq, 5);
    char *a = scenes(vq, corpus, 40, 7, "a.tsv", &err);
    CHECKF(a != NULL, "%s", err.message);
    if (!a) {
        vq_free(vq);
        return;
    }
    int images = 0, singles = 0, pairs = 0, bad = 0, next_item = 4;
    for (char *line = strtok(a, "\n"); line; line = strtok(NULL, "\n")) {
        int item = -1, n = 0;
        if (sscanf(line, "I\t%d\t%n", &item, &n) == 1) {
            bad += item != next_item++;
            int count = 0;
            for (char *p = line + n; *p;) {
                long code = strtol(p, &p, 10);
                bad += code < 0 || code >= 64;
                count++;
                while (*p == ' ') p++;
            }
            bad += count != 64;
            images++;
            continue;
        }
        char lang[3] = {0};
        if (sscanf(line, "C\t%d\t%2s\t%n", &item, lang, &n) != 2 || item != next_item - 1) {
            bad++;
            continue;
        }
        const char *t = line + n;
        if (!strcmp(t, "red box") || !strcmp(t, "green dot") || !strcmp(t, "빨간 상자") || !strcmp(t, "초록 점"))
            singles++;
        else if (!strcmp(t, "red box and green dot") || !strcmp(t, "green dot and red box") ||
                 !strcmp(t, "빨간 상자와 초록 점") || !strcmp(t, "초록 점과 빨간 상자"))
            pairs++;
        else
            CHECKF(0, "unexpected caption '%s'", t); /* never the texture's name, never a second caption */
    }
    CHECK(images == 40 && bad == 0);
    /* a single has 2 captions, a pair 4 (both orders, both languages): 1/3 singles expected */
    CHECKF(singles % 2 == 0 && pairs % 4 == 0 && singles / 2 + pairs / 4 == 40, "singles %d pairs %d", singles, pairs);
    CHECKF(singles / 2 >= 5 && pairs / 4 >= 15, "singles %d pairs %d of 40", singles / 2, pairs / 4);
    /* same seed, same bytes; another seed, other scenes */
    char *b = scenes(vq, corpus, 40, 7, "b.tsv", &err), *c = scenes(vq, corpus, 40, 8, "c.tsv", &err);
    char *a2 = NULL;
    size_t la = 0;
    CHECK(file_read_all(DIR "/a.tsv", 1 << 20, &a2, &la, &err) == 0);
    CHECK(a2 && b && c && !strcmp(a2, b) && strcmp(a2, c) != 0);
    mem_free(a);
    mem_free(a2);
    mem_free(b);
    mem_free(c);
    /* one object only: pairs cannot be made; no named item at all: an error up front */
    const char *one = "I\t0\t" DIR "/red.png\nC\t0\ten\tred box\nC\t0\tko\t빨간 상자\n"
                      "I\t1\t" DIR "/blue.png\nC\t1\ten\tblue\nC\t1\tko\t파랑\n";
    err.message[0] = 0;
    CHECK(scenes(vq, one, 20, 1, "d.tsv", &err) == NULL && strstr(err.message, "fewer than two usable objects"));
    err.message[0] = 0;
    CHECK(scenes(vq, "I\t0\tx.png\nC\t0\ten\tonly english\n", 5, 1, "e.tsv", &err) == NULL &&
          strstr(err.message, "0 items with an image and KO and EN names"));
    CHECK(!file_exists(DIR "/e.tsv"));
    vq_free(vq);
}

int main(void) {
    RUN(korean_and_follows_the_last_syllable);
    RUN(scenes_use_objects_on_white_with_their_names);
    return harness_finish();
}
