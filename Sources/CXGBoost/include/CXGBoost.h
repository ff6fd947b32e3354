// XGBoost's C API (Debian: libxgboost-dev for xgboost/c_api.h, libxgboost0 at run time), loaded on first use.
//
// churnd does not link libxgboost: loading it and the C++ runtime behind it (libstdc++, libgomp, libdmlc) and
// running their static constructors took 4 ms of every churnd process, most of which (`churnd score`, the CLI's
// reading commands) never train. Each churnd_X below calls XGBoost's X, after opening libxgboost.so.0 once; when
// the library cannot be opened, each returns -1 and churnd_XGBGetLastError says why. Only the functions churnd
// uses. (Other names than XGBoost's: the library's own calls to its functions must not reach these.)
#ifndef CHURND_CXGBOOST_H
#define CHURND_CXGBOOST_H

#include <xgboost/c_api.h>

const char *churnd_XGBGetLastError(void);
void churnd_XGBoostVersion(int *major, int *minor, int *patch);
int churnd_XGDMatrixCreateFromDense(char const *data, char const *config, DMatrixHandle *out);
int churnd_XGDMatrixSetFloatInfo(DMatrixHandle handle, const char *field, const float *array, bst_ulong len);
int churnd_XGDMatrixFree(DMatrixHandle handle);
int churnd_XGBoosterCreate(const DMatrixHandle dmats[], bst_ulong len, BoosterHandle *out);
int churnd_XGBoosterSetParam(BoosterHandle handle, const char *name, const char *value);
int churnd_XGBoosterLoadModelFromBuffer(BoosterHandle handle, const void *buf, bst_ulong len);
int churnd_XGBoosterFree(BoosterHandle handle);
int churnd_XGBoosterUpdateOneIter(BoosterHandle handle, int iter, DMatrixHandle dtrain);
int churnd_XGBoosterEvalOneIter(
    BoosterHandle handle, int iter, DMatrixHandle dmats[], const char *evnames[], bst_ulong len,
    const char **out_result);
int churnd_XGBoosterSlice(BoosterHandle handle, int begin_layer, int end_layer, int step, BoosterHandle *out);
int churnd_XGBoosterSetStrFeatureInfo(
    BoosterHandle handle, const char *field, const char **features, const bst_ulong size);
int churnd_XGBoosterSaveModelToBuffer(
    BoosterHandle handle, char const *config, bst_ulong *out_len, char const **out_dptr);
int churnd_XGBoosterGetNumFeature(BoosterHandle handle, bst_ulong *out);
int churnd_XGBoosterBoostedRounds(BoosterHandle handle, int *out);
int churnd_XGBoosterPredictFromDense(
    BoosterHandle handle, char const *values, char const *config, DMatrixHandle m, bst_ulong const **out_shape,
    bst_ulong *out_dim, const float **out_result);

#endif
