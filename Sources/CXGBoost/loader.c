#include "CXGBoost.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// XGBoost's functions as the opened library has them: all found, or the library counts as not there.
static struct {
    const char *(*XGBGetLastError)(void);
    void (*XGBoostVersion)(int *, int *, int *);
    int (*XGDMatrixCreateFromDense)(char const *, char const *, DMatrixHandle *);
    int (*XGDMatrixSetFloatInfo)(DMatrixHandle, const char *, const float *, bst_ulong);
    int (*XGDMatrixFree)(DMatrixHandle);
    int (*XGBoosterCreate)(const DMatrixHandle[], bst_ulong, BoosterHandle *);
    int (*XGBoosterSetParam)(BoosterHandle, const char *, const char *);
    int (*XGBoosterLoadModelFromBuffer)(BoosterHandle, const void *, bst_ulong);
    int (*XGBoosterFree)(BoosterHandle);
    int (*XGBoosterUpdateOneIter)(BoosterHandle, int, DMatrixHandle);
    int (*XGBoosterEvalOneIter)(BoosterHandle, int, DMatrixHandle[], const char *[], bst_ulong, const char **);
    int (*XGBoosterSlice)(BoosterHandle, int, int, int, BoosterHandle *);
    int (*XGBoosterSetStrFeatureInfo)(BoosterHandle, const char *, const char **, const bst_ulong);
    int (*XGBoosterSaveModelToBuffer)(BoosterHandle, char const *, bst_ulong *, char const **);
    int (*XGBoosterGetNumFeature)(BoosterHandle, bst_ulong *);
    int (*XGBoosterBoostedRounds)(BoosterHandle, int *);
    int (*XGBoosterPredictFromDense)(
        BoosterHandle, char const *, char const *, DMatrixHandle, bst_ulong const **, bst_ulong *, const float **);
} api;

static int loaded;
static char failure[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen("libxgboost.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(failure, sizeof failure, "cannot load XGBoost's library (Debian package libxgboost0): %s", dlerror());
        return;
    }
#define FIND(name)                                                                                               \
    if ((*(void **)&api.name = dlsym(library, #name)) == NULL) {                                                 \
        snprintf(failure, sizeof failure, "XGBoost's library (libxgboost.so.0) lacks %s: %s", #name, dlerror()); \
        return;                                                                                                  \
    }
    FIND(XGBGetLastError)
    FIND(XGBoostVersion)
    FIND(XGDMatrixCreateFromDense)
    FIND(XGDMatrixSetFloatInfo)
    FIND(XGDMatrixFree)
    FIND(XGBoosterCreate)
    FIND(XGBoosterSetParam)
    FIND(XGBoosterLoadModelFromBuffer)
    FIND(XGBoosterFree)
    FIND(XGBoosterUpdateOneIter)
    FIND(XGBoosterEvalOneIter)
    FIND(XGBoosterSlice)
    FIND(XGBoosterSetStrFeatureInfo)
    FIND(XGBoosterSaveModelToBuffer)
    FIND(XGBoosterGetNumFeature)
    FIND(XGBoosterBoostedRounds)
    FIND(XGBoosterPredictFromDense)
#undef FIND
    loaded = 1;
}

static int ready(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *churnd_XGBGetLastError(void) { return ready() ? api.XGBGetLastError() : failure; }

void churnd_XGBoostVersion(int *major, int *minor, int *patch) {
    if (ready()) {
        api.XGBoostVersion(major, minor, patch);
    } else {
        *major = *minor = *patch = 0;
    }
}

int churnd_XGDMatrixCreateFromDense(char const *data, char const *config, DMatrixHandle *out) {
    return ready() ? api.XGDMatrixCreateFromDense(data, config, out) : -1;
}

int churnd_XGDMatrixSetFloatInfo(DMatrixHandle handle, const char *field, const float *array, bst_ulong len) {
    return ready() ? api.XGDMatrixSetFloatInfo(handle, field, array, len) : -1;
}

int churnd_XGDMatrixFree(DMatrixHandle handle) { return ready() ? api.XGDMatrixFree(handle) : -1; }

int churnd_XGBoosterCreate(const DMatrixHandle dmats[], bst_ulong len, BoosterHandle *out) {
    return ready() ? api.XGBoosterCreate(dmats, len, out) : -1;
}

int churnd_XGBoosterSetParam(BoosterHandle handle, const char *name, const char *value) {
    return ready() ? api.XGBoosterSetParam(handle, name, value) : -1;
}

int churnd_XGBoosterLoadModelFromBuffer(BoosterHandle handle, const void *buf, bst_ulong len) {
    return ready() ? api.XGBoosterLoadModelFromBuffer(handle, buf, len) : -1;
}

int churnd_XGBoosterFree(BoosterHandle handle) { return ready() ? api.XGBoosterFree(handle) : -1; }

int churnd_XGBoosterUpdateOneIter(BoosterHandle handle, int iter, DMatrixHandle dtrain) {
    return ready() ? api.XGBoosterUpdateOneIter(handle, iter, dtrain) : -1;
}

int churnd_XGBoosterEvalOneIter(
    BoosterHandle handle, int iter, DMatrixHandle dmats[], const char *evnames[], bst_ulong len,
    const char **out_result) {
    return ready() ? api.XGBoosterEvalOneIter(handle, iter, dmats, evnames, len, out_result) : -1;
}

int churnd_XGBoosterSlice(BoosterHandle handle, int begin_layer, int end_layer, int step, BoosterHandle *out) {
    return ready() ? api.XGBoosterSlice(handle, begin_layer, end_layer, step, out) : -1;
}

int churnd_XGBoosterSetStrFeatureInfo(
    BoosterHandle handle, const char *field, const char **features, const bst_ulong size) {
    return ready() ? api.XGBoosterSetStrFeatureInfo(handle, field, features, size) : -1;
}

int churnd_XGBoosterSaveModelToBuffer(
    BoosterHandle handle, char const *config, bst_ulong *out_len, char const **out_dptr) {
    return ready() ? api.XGBoosterSaveModelToBuffer(handle, config, out_len, out_dptr) : -1;
}

int churnd_XGBoosterGetNumFeature(BoosterHandle handle, bst_ulong *out) {
    return ready() ? api.XGBoosterGetNumFeature(handle, out) : -1;
}

int churnd_XGBoosterBoostedRounds(BoosterHandle handle, int *out) {
    return ready() ? api.XGBoosterBoostedRounds(handle, out) : -1;
}

int churnd_XGBoosterPredictFromDense(
    BoosterHandle handle, char const *values, char const *config, DMatrixHandle m, bst_ulong const **out_shape,
    bst_ulong *out_dim, const float **out_result) {
    return ready() ? api.XGBoosterPredictFromDense(handle, values, config, m, out_shape, out_dim, out_result) : -1;
}
