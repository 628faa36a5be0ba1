/* mini_scenes.h — scene augmentation for EXAONE-mini's corpus: new image items
 * made of one or two shrunk objects of existing items, placed anywhere on a
 * white picture, with captions built from the objects' names.
 *
 * Why: the training pictures are single objects at full size, so the model
 * learns "there is an emoji" but not where, or which of two: a caption of a
 * picture with two objects depends on either half about equally, and no
 * explanation map can then point at the right one. Scenes teach that a name
 * belongs to the region that shows it, and that objects can be small and
 * anywhere.
 *
 * From a raw corpus (records of mini_data.h, image records still PNG paths)
 * the objects are the items with an image and a name in both languages (the
 * first caption of each language) whose picture is an object on a plain
 * light background (>= 90 % of the border pixels near white: emoji, not
 * full-frame textures). A scene is
 *   single (1/3)  one object, side 20-48 px of 64, anywhere;
 *                 captions: its two names
 *   pair   (2/3)  two different objects, sides 20-32 px, one per half, left/right
 *                 (60 %) or top/bottom (40 %), each at a random place in its half;
 *                 captions "A and B" and "B and A" (en), "A와 B" and "B와 A" (ko,
 *                 와/과 by the last syllable): both orders, so a name is tied to what
 *                 it shows, not to where it comes in the sentence.
 * Each scene is a new item (numbered after the corpus's largest), encoded with
 * the VQ, written as I and C records.
 *
 *     mini_scenes_write(raw, len, vq, 8, 3000, 7, &out, &written, &err);
 */
#ifndef EXAONE_TRAIN_MINI_SCENES_H
#define EXAONE_TRAIN_MINI_SCENES_H

#include "../core/error.h"
#include "../core/file.h"

#include <stddef.h>
#include <stdint.h>

/* raw: the raw corpus text (not modified); vq: a loaded VqModel; grid: codes per side.
 * Appends n_scenes scenes to out; *written = how many (fewer only on error). Fails when
 * the corpus has fewer than two usable objects. */
int mini_scenes_write(const char *raw, size_t len, void *vq, int grid, int n_scenes, uint64_t seed, AtomicFile *out,
                      int *written, Error *err);

/* "A와 B" / "A과 B": the Korean "and" that follows text's last syllable (과 after a
 * final consonant, 와 after a vowel or a non-Hangul ending). */
const char *mini_scenes_ko_and(const char *text);

#endif
