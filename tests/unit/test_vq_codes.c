/* The text form of VQ codes (models/vq_codes.h): grids as `vq encode` writes
 * them read back exactly; every malformed file gets a message naming the line
 * and the problem; --codes lists likewise. */
#include "../harness.h"

#include "core/mem.h"
#include "models/vq_codes.h"

static int parse(VqCodes *grid, const char *text, Error *err) {
    return vq_codes_parse(grid, text, strlen(text), 16, 4, "c.txt", err);
}

TEST(grid_reads_back_what_format_wrote) {
    const int32_t codes[6] = {0, 15, 7, 10, 1, 3};
    size_t len;
    char *text = vq_codes_format(codes, 2, 3, &len);
    CHECK(text && len == strlen(text));
    CHECK_STR(text, "2 3\n0 15 7\n10 1 3\n");
    VqCodes grid;
    Error err = {0};
    CHECKF(parse(&grid, text, &err) == 0, "%s", err.message);
    CHECK(grid.rows == 2 && grid.cols == 3 && memcmp(grid.codes, codes, sizeof codes) == 0);
    vq_codes_free(&grid);
    CHECK(grid.codes == NULL);
    mem_free(text);
}

TEST(grid_accepts_crlf_tabs_and_trailing_blank_lines) {
    VqCodes grid;
    Error err = {0};
    CHECKF(parse(&grid, " 2\t2\r\n1\t2 \r\n 3 4\r\n\r\n\n  ", &err) == 0, "%s", err.message);
    CHECK(grid.rows == 2 && grid.cols == 2 && grid.codes[0] == 1 && grid.codes[3] == 4);
    vq_codes_free(&grid);
    /* no final newline */
    CHECKF(parse(&grid, "1 1\n9", &err) == 0, "%s", err.message);
    CHECK(grid.codes && grid.codes[0] == 9);
    vq_codes_free(&grid);
}

TEST(grid_errors_name_the_line_and_the_problem) {
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"", "c.txt: line 1: expected 'ROWS COLS'"},
        {"2\n1\n2\n", "c.txt: line 1: expected 'ROWS COLS'"},
        {"2 2 2\n", "c.txt: line 1: expected 'ROWS COLS'"},
        {"-1 2\n", "c.txt: line 1: expected 'ROWS COLS'"},
        {"0 2\n\n", "a 0 x 2 code grid is not within 1..4 rows and columns"},
        {"5 1\n1\n1\n1\n1\n1\n", "a 5 x 1 code grid is not within 1..4"},
        {"99999999999999999999 1\n", "code grid is not within 1..4"},
        {"4 4\n1 2\n", "the header asks for 4 x 4 codes, but only 4 bytes follow it"},
        {"1 2\n3 99\n", "c.txt: line 2, column 2: code 99 is not in 0..15"},
        {"1 1\n99999999999999999999999\n", "line 2, column 1: code 9999999999999999 is not in 0..15"},
        {"1 2\n3 x\n", "line 2, column 2: 'x' is not a code id"},
        {"1 2\n3 -1\n", "line 2, column 2: '-1' is not a code id"},
        {"1 2\n3 4x\n", "line 2, column 2: '4x' is not a code id"},
        {"1 2\n3,4\n", "line 2, column 1: '3,4' is not a code id"},
        {"2 2\n1 2 3\n4 5\n", "c.txt: line 2 has more than 2 codes"},
        {"2 2\n1\n2 3\n\n", "c.txt: line 2 has 1 codes, expected 2"},
        {"3 1\n4\n\n5\n", "c.txt: line 3 has 0 codes, expected 1"},
        {"2 2\n10 11 \n", "c.txt: 1 rows of codes, the header says 2"},
        {"2 2\n1 2\n", "the header asks for 2 x 2 codes, but only 4 bytes follow it"},
        {"1 2\n1 2\n7\n", "c.txt: line 3: more text after the 1 rows"},
        {"1 1\n1 \x01\n", "line 2, after column 1: unexpected '?'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        VqCodes grid = {.codes = (int32_t *)1};
        Error err = {0};
        int rc = parse(&grid, cases[i].text, &err);
        CHECKF(rc != 0 && grid.codes == NULL && strstr(err.message, cases[i].message), "case %zu: got '%s', want '%s'",
               i, rc ? err.message : "success", cases[i].message);
    }
}

TEST(grid_text_need_not_end_in_nul) {
    /* "1 1\n7" followed by a digit that is not part of the text */
    const char text[] = "1 1\n78";
    VqCodes grid;
    Error err = {0};
    CHECKF(vq_codes_parse(&grid, text, 5, 16, 4, "c.txt", &err) == 0, "%s", err.message);
    CHECK(grid.codes && grid.codes[0] == 7);
    vq_codes_free(&grid);
}

TEST(list_reads_codes_separated_any_way) {
    int codes[4];
    Error err = {0};
    CHECKF(vq_codes_parse_list(" 1,2\n3\t15 ,", codes, 4, 16, &err) == 0, "%s", err.message);
    CHECK(codes[0] == 1 && codes[1] == 2 && codes[2] == 3 && codes[3] == 15);
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"1 2 3", "3 codes, expected 4"},
        {"1 2 3 4 5", "more than 4 codes"},
        {"1 2 16 4", "code 3 of 4: code 16 is not in 0..15"},
        {"1 2 +3 4", "code 3 of 4: '+3' is not a code id"},
        {"1 2 3 4.5", "code 4 of 4: '4.5' is not a code id"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = vq_codes_parse_list(cases[i].text, codes, 4, 16, &err);
        CHECKF(rc != 0 && strstr(err.message, cases[i].message), "case %zu: got '%s', want '%s'", i,
               rc ? err.message : "success", cases[i].message);
    }
}

TEST(allocation_failures_are_clean) {
    int done = 0;
    for (long n = 1; n < 10 && !done; n++) {
        VqCodes grid;
        Error err = {0};
        mem_fail_after(n);
        int rc = parse(&grid, "2 2\n1 2\n3 4\n", &err);
        long used = mem_alloc_count();
        mem_fail_after(0);
        if (rc != 0) CHECK(grid.codes == NULL && strstr(err.message, "out of memory"));
        if (rc == 0 && used < n) done = 1;
        vq_codes_free(&grid);
    }
    CHECK(done);
}

int main(void) {
    RUN(grid_reads_back_what_format_wrote);
    RUN(grid_accepts_crlf_tabs_and_trailing_blank_lines);
    RUN(grid_errors_name_the_line_and_the_problem);
    RUN(grid_text_need_not_end_in_nul);
    RUN(list_reads_codes_separated_any_way);
    RUN(allocation_failures_are_clean);
    return harness_finish();
}
