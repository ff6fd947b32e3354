// XGBoost's C API (Debian: libxgboost-dev, pkg-config name `xgboost`). Only the C header: the C++ ones
// under xgboost/ cannot be imported into Swift and are not part of the stable interface.
#ifndef CHURND_CXGBOOST_SHIM_H
#define CHURND_CXGBOOST_SHIM_H

#include <xgboost/c_api.h>

#endif
