// Declarations shared between modules that are not part of the public API.
// This header goes into mongoose.c only, never into mongoose.h.
#pragma once
#include "arch.h"
#include "config.h"
#include "str.h"
#include "mbuf.h"
#include "log.h"
#include "util.h"
#include "md5.h"
#include "sha1.h"
#include "uri.h"
#include "net.h"
#include "iface.h"

#ifndef MG_ARRAY_SIZE
#define MG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
