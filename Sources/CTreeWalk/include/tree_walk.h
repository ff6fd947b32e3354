#ifndef CHURND_TREE_WALK_H
#define CHURND_TREE_WALK_H

// The walk of a tree ensemble over sixteen rows per vector, for CPUs with AVX-512. Swift has no gather and no
// variable permute, so this one loop is C; `TreeEnsemble` lays the trees out and keeps the portable walk.
#include <stddef.h>
#include <stdint.h>

/// The deepest tree `churnd_trees_accumulate` walks.
#define CHURND_TREES_MAX_DEPTH 8

/// 1 when this CPU and the kernel run AVX-512 (AVX512F), else 0 (`cpuid` and `xgetbv` at each call: keep the
/// answer).
int churnd_trees_simd_available(void);

/// Adds each tree's leaf to the sums of up to 64 rows, tree by tree, in tree order (single precision: the
/// same additions, in the same order, as one row at a time).
///
/// - `rows`: `count` rows, `stride` floats apart, whose first `width` floats (the features) are not NaN;
///   1 <= `count` <= 64.
/// - `scratch`: room for 64 * (`width` + 1) floats (the rows transposed, sixteen per vector).
/// - The trees are perfect, all of depth `depth` (1...CHURND_TREES_MAX_DEPTH), `trees` of them, each taking
///   2^depth slots of `thresholds` and `features` (its 2^depth - 1 inner nodes breadth first, children of
///   node i at 2i + 1 and 2i + 2, then one unused slot) and 2^depth of `leaves` (left to right). A row goes
///   right when its value is >= the threshold; a NaN threshold sends every row left. `features` holds each
///   node's feature index times 16. All three arrays are followed by 32 readable slots.
/// - `sums`: `count` sums, added to.
///
/// Call only when `churnd_trees_simd_available()` is 1.
void churnd_trees_accumulate(
    const float *rows, size_t count, size_t stride, size_t width, float *scratch, const float *thresholds,
    const int32_t *features, const float *leaves, size_t trees, int depth, float *sums);

#endif
