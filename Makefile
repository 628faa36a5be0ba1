# exaone.c — see README.md.   make | make run | make test | make asan | make fuzz | make bench | make clean
#
# Sources are found by wildcard: a new file under src/ is built without
# touching this file; tests/unit/test_X.c becomes build/tests/test_X;
# files named *_avx512.c are compiled with AVX-512 flags and only called
# after a run-time CPU check (src/core/cpu.h), so ./exaone still runs on
# AVX2-only machines.

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
PKGS := libpcre2-8 libutf8proc libpng libcjson libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
MPI_CFLAGS := $(shell mpicc --showme:compile 2>/dev/null)
MPI_LIBS := $(shell mpicc --showme:link 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter
OPT ?= -O3 -march=x86-64-v3 -mtune=generic -g
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -pthread $(PKG_CFLAGS) $(MPI_CFLAGS) $(EXTRA_CFLAGS)
AVX512_FLAGS := -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx512vnni
LDLIBS_ALL = $(PKG_LIBS) $(MPI_LIBS) -lm -pthread $(EXTRA_LDFLAGS)

BUILD ?= build
SRC := $(shell find src -name '*.c' ! -path 'src/cli/main.c' | sort)
OBJ := $(SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libexaone.a
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/tests/replay_%)
EXE ?= exaone

.PHONY: all deps run demo test test-deps asan fuzz bench clean
all: deps $(EXE)

deps:
	@tools/install-deps build

$(BUILD)/obj/%_avx512.o: %_avx512.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(AVX512_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIB): $(OBJ)
	@rm -f $@
	@ar rcsP $@ $^

$(EXE): $(BUILD)/obj/src/cli/main.o $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c tests/harness.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc -o $@ $< $(LIB) $(LDLIBS_ALL)

# Fuzz targets double as ordinary tests: replay_main.c feeds them every file
# of their committed corpus (tests/fuzz/corpus/NAME/) under `make test`.
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDLIBS_ALL)

# The main job on the embedded default model.
run: all
	./$(EXE) info
	./$(EXE) demo

test-deps:
	@tools/install-deps test

test: test-deps all $(TEST_BIN) $(REPLAY_BIN)
	@tests/run.sh

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer).
asan:
	@tools/install-deps test
	$(MAKE) BUILD=build-asan EXE=build-asan/exaone OPT="-O1 -g -march=x86-64-v3 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		build-asan/exaone $(patsubst $(BUILD)/%,build-asan/%,$(TEST_BIN) $(REPLAY_BIN))
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		EXAONE=build-asan/exaone TEST_BUILD=build-asan tests/run.sh

# make fuzz FUZZ_SECONDS=N [FUZZ_TARGETS="gguf png"] (default: every target)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	@tools/install-deps test
	@tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: all
	@tools/install-deps bench
	@for b in bench/*.sh; do echo "== $$b"; bash $$b || echo "$$b failed"; done

clean:
	rm -rf build build-asan build-fuzz $(EXE)

-include $(OBJ:.o=.d)
