/* image_pack.h — many same-sized 8-bit images in one flat file.
 *
 * Layout (little-endian): 8-byte magic "EXIMGP01", u32 width, u32 height,
 * u32 channels, u32 count, u64 reserved (0); then count images of
 * width*height*channels bytes each, row-major, channels interleaved. A
 * trainer mmaps the file and indexes image i at 32 + i * image_bytes; the
 * companion .tsv (same row order) says what each image is.
 *
 *     ImagePackWriter w;
 *     image_pack_create(&w, "emoji64.bin", 64, 64, 3, &err);
 *     image_pack_append(&w, img, &err); ...
 *     image_pack_commit(&w, &err);         // or image_pack_abort(&w)
 *
 *     ImagePack p;
 *     image_pack_open(&p, "emoji64.bin", &err);  p.count, image_pack_pixels(&p, i)
 *     image_pack_close(&p);
 */
#ifndef EXAONE_DATA_IMAGE_PACK_H
#define EXAONE_DATA_IMAGE_PACK_H

#include "../core/file.h"
#include "../image/image.h"

#define IMAGE_PACK_HEADER 32

typedef struct {
    AtomicFile file;
    int width, height, channels;
    uint32_t count;
} ImagePackWriter;

int image_pack_create(ImagePackWriter *w, const char *path, int width, int height, int channels, Error *err);
/* img must have exactly the pack's size and channels. */
int image_pack_append(ImagePackWriter *w, const Image *img, Error *err);
int image_pack_commit(ImagePackWriter *w, Error *err);
void image_pack_abort(ImagePackWriter *w);

typedef struct {
    MappedFile map;
    int width, height, channels;
    uint32_t count;
} ImagePack;

int image_pack_open(ImagePack *p, const char *path, Error *err);
/* What image_pack_open checks once the file is mapped, on size bytes in
 * memory: magic, geometry within IMAGE_MAX_SIDE and 1..4 channels, count
 * images present. Fills p's geometry and count (not its map); name is for
 * messages. */
int image_pack_check_header(ImagePack *p, const uint8_t *data, size_t size, const char *name, Error *err);
const uint8_t *image_pack_pixels(const ImagePack *p, uint32_t index);
void image_pack_close(ImagePack *p);

#endif
