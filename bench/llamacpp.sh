# bench/llamacpp.sh — sourced by bench/llm.sh and tests/scripts/test_llamacpp.sh: finds or
# builds llama.cpp from the source tree in $LLAMA_CPP (never part of this repository).
#   llamacpp_build TARGET...   sets LLAMA_BIN to the folder holding the built programs and
#                              libllama.so; returns non-zero (with a message) if it cannot.
# The build goes to $LLAMA_CPP_BUILD (default build/llama.cpp here) with the flags llama.cpp
# recommends for a CPU: Release, -DGGML_NATIVE=ON (all of this CPU's ISA extensions).
llamacpp_build() {
    LLAMA_BIN=""
    if [ -z "${LLAMA_CPP:-}" ] || [ ! -f "$LLAMA_CPP/CMakeLists.txt" ]; then
        echo "llama.cpp: LLAMA_CPP='${LLAMA_CPP:-}' is not a llama.cpp source tree" >&2
        return 1
    fi
    local dir=${LLAMA_CPP_BUILD:-build/llama.cpp} t missing=""
    for t in "$@"; do
        case $t in llama) [ -f "$dir/bin/libllama.so" ] || missing="$missing $t" ;;
                   *) [ -x "$dir/bin/$t" ] || missing="$missing $t" ;; esac
    done
    if [ -n "$missing" ]; then
        echo "llama.cpp: building$missing in $dir (takes a while)" >&2
        cmake -S "$LLAMA_CPP" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
            -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF > "$dir.cmake.log" 2>&1 &&
            nice -n 5 cmake --build "$dir" -j2 --target $missing > "$dir.build.log" 2>&1 || {
            echo "llama.cpp: build failed, see $dir.cmake.log / $dir.build.log" >&2
            return 1
        }
    fi
    LLAMA_BIN=$dir/bin
}
