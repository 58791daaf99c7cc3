#include "tinyformer/runtime/se_types.h"

const char *se_status_str(se_status status)
{
    switch (status) {
    case SE_OK: return "ok";
    case SE_ERR_NULL_POINTER: return "null pointer";
    case SE_ERR_BAD_SHAPE: return "bad shape";
    case SE_ERR_BAD_PARAM: return "bad parameter";
    case SE_ERR_BUFFER_TOO_SMALL: return "scratch buffer too small";
    case SE_ERR_UNSUPPORTED: return "unsupported configuration";
    case SE_ERR_NOT_PREPARED: return "state not prepared for these parameters";
    }
    return "unknown status";
}
