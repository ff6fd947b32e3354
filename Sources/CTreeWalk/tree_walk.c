#include "tree_walk.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int churnd_trees_simd_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return 0;
    unsigned low, high;
    __asm__("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    // The kernel saves SSE, AVX, opmask and both halves of the ZMM state.
    if ((low & 0xE6) != 0xE6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & bit_AVX512F) != 0;
}

#define TARGET __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline)) TARGET

/// Each lane's entry of `table` (`entries` long) at its `position`: permuted from one or two vectors up to 32
/// entries, gathered past that (levels 6 and 7).
INLINE __m512 pick_float(const float *table, __m512i position, int entries) {
    if (entries <= 16) return _mm512_permutexvar_ps(position, _mm512_loadu_ps(table));
    if (entries <= 32) return _mm512_permutex2var_ps(_mm512_loadu_ps(table), position, _mm512_loadu_ps(table + 16));
    return _mm512_i32gather_ps(position, table, 4);
}

/// `pick_float` for integers.
INLINE __m512i pick_int(const int32_t *table, __m512i position, int entries) {
    if (entries <= 16) return _mm512_permutexvar_epi32(position, _mm512_loadu_si512(table));
    if (entries <= 32)
        return _mm512_permutex2var_epi32(_mm512_loadu_si512(table), position, _mm512_loadu_si512(table + 16));
    return _mm512_i32gather_epi32(position, table, 4);
}

/// Each lane's leaf: `pick_float`, except that 64 leaves (depth 6) are two 32-entry permutes chosen by the
/// position's bit 5 rather than a gather.
INLINE __m512 pick_leaf(const float *leaves, __m512i position, int entries) {
    if (entries != 64) return pick_float(leaves, position, entries);
    __m512 low = _mm512_permutex2var_ps(_mm512_loadu_ps(leaves), position, _mm512_loadu_ps(leaves + 16));
    __m512 high = _mm512_permutex2var_ps(_mm512_loadu_ps(leaves + 32), position, _mm512_loadu_ps(leaves + 48));
    __mmask16 upper = _mm512_test_epi32_mask(position, _mm512_set1_epi32(32));
    return _mm512_mask_blend_ps(upper, low, high);
}

/// Walks `n` trees (1 or 2) from tree `t` over four vectors of sixteen rows, side by side: 4n independent
/// chains. The leaves are added in tree order.
///
/// A step finds each lane's value of its node's feature. The first `DIRECT` levels have at most four nodes,
/// so their features' vectors are loaded whole and blended by the lane's earlier turns. Deeper, with `pairs`
/// vectors of two features each (up to 16 features), each pair is permuted by the lane's feature and the pair
/// the lane's feature is in is kept; with more features (`pairs` 0) the values are gathered, which costs more.
INLINE void walk_trees(
    const float *x, size_t stride, const float *thresholds, const int32_t *features, const float *leaves,
    size_t t, const int n, const int depth, const int pairs, __m512 *sums) {
    enum { DIRECT = 3 };
    const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i one = _mm512_set1_epi32(1), sixteen = _mm512_set1_epi32(16);
    const size_t slots = (size_t)1 << depth;
    __m512i position[2][4];
    __mmask16 turned[2][4][DIRECT];  // per level: the lanes that went right
    for (int u = 0; u < n; u++)
        for (int b = 0; b < 4; b++) position[u][b] = _mm512_setzero_si512();
#pragma clang loop unroll(full)
    for (int level = 0; level < depth; level++) {
        const int first = (1 << level) - 1, entries = 1 << level;
        for (int u = 0; u < n; u++) {
            const float *threshold = thresholds + (t + u) * slots + first;
            const int32_t *feature = features + (t + u) * slots + first;
            for (int b = 0; b < 4; b++) {
                const float *v = x + b * stride;
                __m512 value;
                if (level < DIRECT) {
                    __m512 candidate[1 << (DIRECT - 1)];
                    for (int i = 0; i < entries; i++) candidate[i] = _mm512_loadu_ps(v + feature[i]);
                    for (int j = level - 1; j >= 0; j--)
                        for (int i = 0; i < (1 << j); i++)
                            candidate[i] =
                                _mm512_mask_blend_ps(turned[u][b][j], candidate[2 * i], candidate[2 * i + 1]);
                    value = candidate[0];
                } else if (pairs > 0) {
                    __m512i f = pick_int(feature, position[u][b], entries);
                    __m512i index = _mm512_or_si512(_mm512_and_si512(f, sixteen), lanes);
                    __m512 candidate[8];
                    for (int j = 0; j < pairs; j++)
                        candidate[j] = _mm512_permutex2var_ps(
                            _mm512_loadu_ps(v + 32 * j), index, _mm512_loadu_ps(v + 32 * j + 16));
                    // Halving by the bits of the lane's pair (feature / 2, that is f bits 5, 6, 7).
                    for (int bit = 0, m = pairs; m > 1; bit++, m = (m + 1) / 2) {
                        __mmask16 upper = _mm512_test_epi32_mask(f, _mm512_set1_epi32(32 << bit));
                        for (int i = 0; i < m / 2; i++)
                            candidate[i] = _mm512_mask_blend_ps(upper, candidate[2 * i], candidate[2 * i + 1]);
                        if (m % 2) candidate[m / 2] = candidate[m - 1];
                    }
                    value = candidate[0];
                } else {
                    __m512i offset = _mm512_add_epi32(pick_int(feature, position[u][b], entries), lanes);
                    value = _mm512_i32gather_ps(offset, v, 4);
                }
                __m512 split = pick_float(threshold, position[u][b], entries);
                __mmask16 right = _mm512_cmp_ps_mask(value, split, _CMP_GE_OQ);
                if (level < DIRECT) turned[u][b][level] = right;
                position[u][b] = _mm512_add_epi32(position[u][b], position[u][b]);
                position[u][b] = _mm512_mask_add_epi32(position[u][b], right, position[u][b], one);
            }
        }
    }
    for (int u = 0; u < n; u++)
        for (int b = 0; b < 4; b++)
            sums[b] = _mm512_add_ps(sums[b], pick_leaf(leaves + (t + u) * slots, position[u][b], (int)slots));
}

/// Every tree over four vectors of sixteen rows, two trees at a time.
INLINE void walk(
    const float *x, size_t stride, const float *thresholds, const int32_t *features, const float *leaves,
    size_t trees, const int depth, const int pairs, __m512 *sums) {
    size_t t = 0;
    for (; t + 2 <= trees; t += 2) walk_trees(x, stride, thresholds, features, leaves, t, 2, depth, pairs, sums);
    if (t < trees) walk_trees(x, stride, thresholds, features, leaves, t, 1, depth, pairs, sums);
}

TARGET void churnd_trees_accumulate(
    const float *rows, size_t count, size_t stride, size_t width, float *scratch, const float *thresholds,
    const int32_t *features, const float *leaves, size_t trees, int depth, float *sums) {
    // Up to 16 features go in pairs of vectors, the last one padded with zeros.
    const int pairs = width <= 16 ? (int)(width + 1) / 2 : 0;
    const size_t padded_width = pairs > 0 ? 2 * (size_t)pairs : width;
    const size_t vector = padded_width * 16;
    // Feature-major per vector of sixteen rows; rows past `count` repeat the last row.
    for (int r = 0; r < 64; r++) {
        const float *row = rows + (size_t)(r < (int)count ? r : (int)count - 1) * stride;
        float *slot = scratch + (size_t)(r / 16) * vector + (size_t)(r % 16);
        for (size_t f = 0; f < width; f++) slot[f * 16] = row[f];
        for (size_t f = width; f < padded_width; f++) slot[f * 16] = 0;
    }
    __m512 sum[4];
    float padded[64];
    for (int r = 0; r < 64; r++) padded[r] = r < (int)count ? sums[r] : 0;
    for (int b = 0; b < 4; b++) sum[b] = _mm512_loadu_ps(padded + b * 16);
    // One instance per depth and pair count: both must be constants for the levels to unroll and the
    // candidates to stay in registers (with either one a variable the walk takes twice as long).
    switch (depth * 16 + pairs) {
#define CASE(d, p) \
    case d * 16 + p: walk(scratch, vector, thresholds, features, leaves, trees, d, p, sum); break;
#define DEPTH(d) CASE(d, 0) CASE(d, 1) CASE(d, 2) CASE(d, 3) CASE(d, 4) CASE(d, 5) CASE(d, 6) CASE(d, 7) CASE(d, 8)
        DEPTH(1) DEPTH(2) DEPTH(3) DEPTH(4) DEPTH(5) DEPTH(6) DEPTH(7) DEPTH(8)
#undef DEPTH
#undef CASE
        default: __builtin_trap();
    }
    for (int b = 0; b < 4; b++) _mm512_storeu_ps(padded + b * 16, sum[b]);
    for (size_t r = 0; r < count; r++) sums[r] = padded[r];
}

#else

int churnd_trees_simd_available(void) { return 0; }

void churnd_trees_accumulate(
    const float *rows, size_t count, size_t stride, size_t width, float *scratch, const float *thresholds,
    const int32_t *features, const float *leaves, size_t trees, int depth, float *sums) {
    __builtin_trap();
}

#endif
