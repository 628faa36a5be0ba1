/* captions.h — prompts and captions built from real names and keywords.
 *
 * Several phrasings per item in both languages, so the model learns the
 * words, not one template: for an emoji ("red apple" / "빨간 사과")
 *   en: "red apple", "a red apple", "an emoji of a red apple",
 *       "red apple emoji", "a picture of a red apple", "red apple, fruit, ripe"
 *   ko: "빨간 사과", "빨간 사과 이모지", "빨간 사과 그림", "빨간 사과, 과일, 음식"
 * with flags ("the flag of South Korea" / "대한민국 국기") and skin tones
 * ("a waving hand with light skin tone" / "하얀 피부의 흔드는 손") phrased
 * naturally. Textures combine the measured colours with the pattern name:
 * "a brown wood grain texture", "갈색 나뭇결 질감", "갈색과 검은색 나뭇결 무늬".
 * Keyword choices are deterministic per item (seeded by its hexcode).
 */
#ifndef EXAONE_DATA_CAPTIONS_H
#define EXAONE_DATA_CAPTIONS_H

#include "colour_names.h"
#include "emoji_catalog.h"
#include "texture_names.h"

#define CAPTION_MAX_BYTES 256
#define CAPTIONS_MAX 16

typedef struct {
    const char *lang; /* "en" or "ko" */
    char text[CAPTION_MAX_BYTES];
} Caption;

typedef struct {
    Caption items[CAPTIONS_MAX];
    int count;
} CaptionList;

void captions_for_emoji(const EmojiEntry *e, CaptionList *out);
void captions_for_texture(TextureName name, TextureName category, const ColourSummary *colours, CaptionList *out);

/* "a red apple", "an orange cat". */
void caption_with_article(const char *phrase, char *out, size_t out_size);

#endif
